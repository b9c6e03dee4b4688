using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using JamServer.Rooms;

namespace JamServer.IntegrationTests.Discussion;

/// <summary>Two server processes on one PostgreSQL and one Redis: the room fan-out crosses nodes through Redis.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class TwoNodeTests
{
    [Fact]
    public async Task Posts_written_on_either_node_reach_the_room_on_both_and_presence_adds_up()
    {
        var jamId = "n" + JamClient.NewId()[..10];
        await using var nodeA = new ServerProcess(jamId, new Dictionary<string, string> { ["Jam__NodeId"] = jamId + "-a" });
        await using var nodeB = new ServerProcess(jamId, new Dictionary<string, string> { ["Jam__NodeId"] = jamId + "-b" });
        await Task.WhenAll(nodeA.StartAsync(), nodeB.StartAsync());
        using var httpA = nodeA.As();
        using var httpB = nodeB.As();
        await using var reader = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
        await using var writer = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
        await reader.JoinAsync("water");
        await writer.JoinAsync("water");

        var acks = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            acks.Add((await writer.PostAsync("water", $"Across nodes #{i}")).Seq);
        }

        await reader.WaitForPostAsync(p => p.Seq == acks[^1]);
        Assert.Equal(acks, reader.Posts.Select(p => p.Seq));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), acks);

        // Both nodes write to the room at once: every post is taken, each seq once, and all reach the reader.
        var both = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? reader : writer).PostAsync("water", $"Both nodes #{i}")));
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), both.Select(a => a.Seq).Order());
        await Within.EventuallyAsync(() => Task.FromResult(reader.Posts.Count == 30), "the reader has all 30 posts");
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), reader.Posts.Select(p => p.Seq).Order());
        await Within.EventuallyAsync(
            async () => (await httpB.GetFromJsonAsync<List<RoomDto>>("api/rooms"))!.Single(r => r.Id == "water").Online == 2,
            "both nodes' members count in the room");
        await reader.WaitForPresenceAsync(p => p is { RoomId: "water", Online: 2 });
    }
}
