using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using JamServer.Identity;
using JamServer.IntegrationTests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Identity;

[Collection(TimingSensitiveCollection.Name)]
public sealed class ProviderOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_provider_away_at_start_stops_only_its_own_users_until_it_is_back_and_the_servers_own_tokens_work_throughout()
    {
        var port = FreeLoopbackPort();
        var authority = $"http://127.0.0.1:{port}";
        await using var server = new ServerProcess("o" + JamClient.NewId()[..10], ProviderJamFixture.Settings(authority));
        await server.StartAsync();
        using var http = server.As();

        await using (var impostor = await TestProvider.StartAsync())
        {
            var whileAway = impostor.Issue("idp|a", ProviderJamFixture.Audience, "A", [ProviderGroups.Organizers], issuer: authority);
            var refused = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(http, "api/moderation/counts", whileAway)).StatusCode);
            output.WriteLine($"A provider token while the provider is away: 401 in {refused.ElapsedMilliseconds} ms");
        }

        Assert.Equal(HttpStatusCode.OK, (await Send(http, "api/moderation/counts", OwnToken(Roles.Organizer))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/ready").Timely()).StatusCode);

        await using var provider = await TestProvider.StartAsync(port);
        var token = provider.Issue("idp|b", ProviderJamFixture.Audience, "B", [ProviderGroups.Moderators]);
        var back = Stopwatch.StartNew();
        await Within.EventuallyAsync(
            async () => (await Send(http, "api/moderation/counts", token)).StatusCode == HttpStatusCode.OK, "the provider's token is accepted again");
        output.WriteLine($"Provider back: its token accepted after {back.ElapsedMilliseconds} ms, {provider.MetadataReads} discovery read(s)");
    }

    /// <summary>A token as the server itself signs them for invited guests.</summary>
    private static string OwnToken(string role) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "jamserver",
        Audience = ProviderJamFixture.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = "p-" + JamClient.NewId(), ["name"] = "Own", ["role"] = role, ["kind"] = "guest" },
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ServerProcess.SigningKey)), SecurityAlgorithms.HmacSha256),
    });

    private static async Task<HttpResponseMessage> Send(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        return await http.SendAsync(request).Timely();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
