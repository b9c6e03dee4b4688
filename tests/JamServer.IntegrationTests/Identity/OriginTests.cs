using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Identity;

[Collection(LiveJamCollection.Name)]
public sealed class OriginTests(JamServerFixture jam)
{
    /// <summary>Allowed by the shared test server's Jam:AllowedOrigins.</summary>
    public const string AllowedElsewhere = "https://jam.example.com";

    private async Task<HttpResponseMessage> NegotiateAsync(string? origin)
    {
        using var http = jam.Server.As(await jam.SignInAsync());
        using var request = new HttpRequestMessage(HttpMethod.Post, "hubs/jam/negotiate?negotiateVersion=1");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await http.SendAsync(request).Timely();
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("null")]
    public async Task A_page_from_another_origin_cannot_open_the_hub(string origin)
    {
        var refused = await NegotiateAsync(origin);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ErrorCodes.Forbidden, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin);
        var token = (await jam.SignInAsync()).Token;
        var uri = new Uri($"ws://127.0.0.1:{jam.Server.Port}/hubs/jam?access_token={Uri.EscapeDataString(token)}");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None).Timely());
    }

    [Fact]
    public async Task The_servers_own_pages_configured_origins_and_clients_without_an_origin_open_the_hub()
    {
        var own = jam.Server.BaseAddress.ToString().TrimEnd('/');
        foreach (var origin in new[] { own, AllowedElsewhere, null })
        {
            Assert.Equal(HttpStatusCode.OK, (await NegotiateAsync(origin)).StatusCode);
        }
    }

    [Fact]
    public async Task The_http_api_grants_no_other_origin_by_cors()
    {
        using var http = jam.Server.As();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/jam");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        var answer = await http.SendAsync(preflight).Timely();
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        var get = await http.GetAsync("api/jam").Timely();
        Assert.False(get.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
