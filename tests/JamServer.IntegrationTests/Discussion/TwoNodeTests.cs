using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using JamServer.IntegrationTests.Support;
using JamServer.Jams;
using JamServer.Rooms;

namespace JamServer.IntegrationTests.Discussion;

/// <summary>Two server processes on one PostgreSQL and one Redis: the room fan-out crosses nodes through Redis.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class TwoNodeTests
{
    [Fact]
    public async Task Posts_presence_moderation_and_phase_changes_made_on_either_node_reach_the_clients_of_both()
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

        // Node A sees no change of its own now: a third member on node B reaches the reader only from node B.
        await using var third = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
        await third.JoinAsync("water");
        await reader.WaitForPresenceAsync(p => p is { RoomId: "water", Online: 3 });

        // Flags on node B hide a post written on node A: node A's moderator hears of each flag, its reader of the hide.
        await using var moderatorA = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync("moderator"));
        await using var fourth = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
        var flagged = reader.Posts.First(p => p.AuthorId == reader.Who.ParticipantId);
        foreach (var flagger in new[] { writer, third, fourth })
        {
            await flagger.FlagAsync(flagged.PostId, "spam");
        }

        await moderatorA.WaitForFlagAsync(f => f.PostId == flagged.PostId && f.FlaggerId == fourth.Who.ParticipantId);
        var hidden = await reader.WaitForHiddenAsync(h => h.PostId == flagged.PostId);
        Assert.Equal(flagged.Seq, hidden.Seq);

        // Closed on node B: a post on node A right after is refused, the change reaches node A's clients, and the store
        // itself refuses a post from any writer, so a node that has not heard of the close yet cannot take one.
        using var organizerB = nodeB.As(await httpB.SignInAsync("organizer"));
        Assert.Equal(HttpStatusCode.OK, (await organizerB.PostAsJsonAsync("api/jam/phase", new { phase = "Closed" }).Timely()).StatusCode);
        var refused = await Assert.ThrowsAsync<HubException>(() => reader.PostAsync("water", "After the close, on node A"));
        Assert.StartsWith("PHASE_CLOSED: ", refused.Message, StringComparison.Ordinal);
        await reader.WaitForPhaseAsync(j => j.Phase == "Closed");
        Assert.Equal(30, (await httpA.GetFromJsonAsync<List<RoomDto>>("api/rooms"))!.Single(r => r.Id == "water").Posts);
        Assert.Equal(PhaseGuard.RefusedState, await EventLog.RefusalOfAsync(jamId, "post_written"));
    }
}
