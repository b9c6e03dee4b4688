using System.Net;
using System.Net.Http.Json;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Identity;

/// <summary>A jam that lets a participant hold three connections.</summary>
public sealed class ThreeConnectionsFixture() : JamServerFixture(new Dictionary<string, string> { ["Jam__MaxConnectionsPerParticipant"] = "3" });

[CollectionDefinition(Name)]
public sealed class ThreeConnectionsCollection : ICollectionFixture<ThreeConnectionsFixture>
{
    public const string Name = "A jam allowing three connections per participant";
}

[Collection(ThreeConnectionsCollection.Name)]
public sealed class ConnectionLimitTests(ThreeConnectionsFixture jam)
{
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
            var refused = await http.GetAsync("hubs/jam").Timely();
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(ErrorCodes.TooManyConnections, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);

            // Someone else is not held back by it.
            await using (await JamClient.ConnectAsync(jam.Server.BaseAddress, await jam.SignInAsync()))
            {
            }

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Within.EventuallyAsync(async () => (await http.GetAsync("hubs/jam")).StatusCode != HttpStatusCode.TooManyRequests, "a slot is free again");
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
}
