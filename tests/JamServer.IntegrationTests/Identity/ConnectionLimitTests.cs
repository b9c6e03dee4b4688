using System.Net;
using System.Net.Http.Json;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Identity;

/// <summary>A jam with tight limits: three connections per participant, two flags and three joins in a burst.</summary>
public sealed class ThreeConnectionsFixture() : JamServerFixture(new Dictionary<string, string>
{
    ["Jam__MaxConnectionsPerParticipant"] = "3",
    ["Jam__FlagBurst"] = "2",
    ["Jam__JoinBurst"] = "3",
    ["Jam__JoinsPerSecond"] = "1",
});

[CollectionDefinition(Name)]
public sealed class ThreeConnectionsCollection : ICollectionFixture<ThreeConnectionsFixture>
{
    public const string Name = "A jam allowing three connections per participant";
}

[Collection(ThreeConnectionsCollection.Name)]
public sealed class ConnectionLimitTests(ThreeConnectionsFixture jam)
{
    /// <summary>A connection's start: its negotiation.</summary>
    private static Task<HttpResponseMessage> NegotiateAsync(HttpClient http) =>
        http.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null);

    [Fact]
    public async Task A_participant_beyond_the_connection_limit_is_refused_until_one_of_theirs_closes()
    {
        var who = await jam.SignInAsync();
        var open = new List<JamClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await JamClient.ConnectAsync(jam.Server.BaseAddress, who, acceptGuidelines: i == 0));
            }

            await Assert.ThrowsAnyAsync<Exception>(() => JamClient.ConnectAsync(jam.Server.BaseAddress, who, acceptGuidelines: false));
            using var http = jam.Server.As(who);
            var refused = await NegotiateAsync(http).Timely();
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(ErrorCodes.TooManyConnections, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);

            // A WebSocket opened without negotiation (as the web client does) is refused too.
            using (var socket = new System.Net.WebSockets.ClientWebSocket())
            {
                var uri = new Uri($"ws://127.0.0.1:{jam.Server.Port}/hubs/jam?access_token={Uri.EscapeDataString(who.Token)}");
                await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None).Timely());
            }

            // Someone else is not held back by it.
            await using (await JamClient.ConnectAsync(jam.Server.BaseAddress, await jam.SignInAsync()))
            {
            }

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Within.EventuallyAsync(async () => (await NegotiateAsync(http)).StatusCode != HttpStatusCode.TooManyRequests, "a slot is free again");
            open.Add(await JamClient.ConnectAsync(jam.Server.BaseAddress, who, acceptGuidelines: false));
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Flags_and_joins_beyond_their_bucket_are_rate_limited_with_a_retry_time_and_the_connection_stays_usable()
    {
        await using var author = await jam.ConnectAsync();
        var posts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            posts.Add((await author.PostAsync("water", $"Flag me #{i}")).PostId);
        }

        await using var flagger = await jam.ConnectAsync();
        await flagger.FlagAsync(posts[0], "spam");
        await flagger.FlagAsync(posts[1], "spam");
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => flagger.FlagAsync(posts[2], "spam"));
        Assert.Matches("^RATE_LIMITED: Too many flags; retry after [0-9]+ s\\.$", refused.Message);
        await flagger.PostAsync("water", "Still here, still usable");

        await using var joiner = await jam.ConnectAsync();
        foreach (var room in new[] { "water", "oceans", "mobility" })
        {
            await joiner.JoinAsync(room);
        }

        var tooMany = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => joiner.JoinAsync("housing"));
        Assert.StartsWith("RATE_LIMITED: Too many room joins; retry after", tooMany.Message, StringComparison.Ordinal);
        await Within.EventuallyAsync(async () =>
        {
            try
            {
                await joiner.JoinAsync("housing");
                return true;
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                return false;
            }
        }, "the join bucket refills", TimeSpan.FromSeconds(5));
    }
}
