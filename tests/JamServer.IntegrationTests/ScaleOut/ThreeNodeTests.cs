using System.Diagnostics;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using JamServer.Rooms;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.ScaleOut;

/// <summary>
/// Three server processes on one PostgreSQL and one Redis. Two nodes are covered by Discussion/TwoNodeTests (posts,
/// presence, moderation, phase), Voting/TwoNodeVotingTests and Voting/CloseOnTwoNodesTests (one phase change and one
/// count when both nodes close at once); a third node adds what two cannot show: a post crosses to more than one other
/// node, counts add up over several shares, and a node dies while others live on.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class ThreeNodeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(3);
    private const string Room = "privacy";

    [Fact]
    public async Task Posts_reach_every_node_in_order_with_one_seq_presence_adds_up_and_a_killed_nodes_share_is_taken_back()
    {
        var jamId = "t" + JamClient.NewId()[..10];
        await using var nodeA = Node(jamId, "a");
        await using var nodeB = Node(jamId, "b");
        await using var nodeC = Node(jamId, "c");
        var nodes = new[] { nodeA, nodeB, nodeC };
        await Task.WhenAll(nodes.Select(n => n.StartAsync()));
        using var http = nodeA.As();

        // Two people on A (one of them also on C, in a second tab), one on B, three on C: six people, seven connections.
        var twoTabs = await http.SignInAsync();
        var onA = new[] { await ConnectAsync(nodeA, twoTabs), await ConnectAsync(nodeA, await http.SignInAsync()) };
        var onB = new[] { await ConnectAsync(nodeB, await http.SignInAsync()) };
        var onC = new[] { await ConnectAsync(nodeC, twoTabs) }
            .Concat(await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ => await ConnectAsync(nodeC, await http.SignInAsync()))))
            .ToArray();
        var everyone = onA.Concat(onB).Concat(onC).ToArray();
        foreach (var node in nodes)
        {
            await Within.EventuallyAsync(async () => await OnlineAsync(node) == 6, $"node {node.Port} counts six people in the room");
        }

        await onB[0].WaitForPresenceAsync(p => p is { RoomId: Room, Online: 6 });

        // One writer on A: its posts reach the readers on B and C in order, with the seq it was told.
        var acks = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            acks.Add((await onA[1].PostAsync(Room, $"From node A #{i}")).Seq);
        }

        foreach (var reader in new[] { onB[0], onC[1] })
        {
            await reader.WaitForPostAsync(p => p.Seq == acks[^1]);
            Assert.Equal(acks, reader.Posts.Select(p => p.Seq));
        }

        // Writers on all three at once: every post gets one seq, and every reader on every node holds the same posts
        // under the same seqs; each writer's own posts arrive everywhere in the order they were acknowledged.
        var writers = new[] { onA[1], onB[0], onC[2] };
        var acked = await Task.WhenAll(writers.Select(async (w, n) =>
        {
            var mine = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                mine.Add((await w.PostAsync(Room, $"Writer {n} #{i}")).Seq);
            }

            return mine;
        }));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), acks.Concat(acked.SelectMany(a => a)).Order());
        foreach (var reader in everyone)
        {
            await Within.EventuallyAsync(() => Task.FromResult(reader.Posts.Count == 40), "every reader has the 40 posts");
            Assert.Equal(
                onA[1].Posts.OrderBy(p => p.Seq).Select(p => (p.Seq, p.PostId)), reader.Posts.OrderBy(p => p.Seq).Select(p => (p.Seq, p.PostId)));
            foreach (var mine in acked)
            {
                Assert.Equal(mine, reader.Posts.Select(p => p.Seq).Where(mine.Contains));
            }
        }

        // Node C dies without a word: once its heartbeat expires, another node takes its share back. The person with
        // a tab on A still counts; the three only on C do not.
        var pushedSoFar = onB[0].Presence.Count;
        await nodeC.KillAsync();
        var killed = Stopwatch.StartNew();
        await onB[0].WaitForPresenceAsync(p => p is { RoomId: Room, Online: 3 }, skip: pushedSoFar);
        var dropped = killed.Elapsed;
        output.WriteLine($"Node C's share was taken back and pushed {dropped.TotalSeconds:F1} s after SIGKILL (node timeout {NodeTimeout.TotalSeconds} s)");
        Assert.True(dropped < NodeTimeout + TimeSpan.FromSeconds(4), $"taken back within the node timeout and a beat or two ({dropped.TotalSeconds:F1} s)");
        Assert.Equal(3, await OnlineAsync(nodeA));
        Assert.Equal(3, await OnlineAsync(nodeB));

        foreach (var client in everyone)
        {
            await client.DisposeAsync();
        }
    }

    private static async Task<JamClient> ConnectAsync(ServerProcess node, SignedIn who)
    {
        var client = await JamClient.ConnectAsync(node.BaseAddress, who);
        await client.JoinAsync(Room);
        return client;
    }

    private static ServerProcess Node(string jamId, string name) => new(jamId, new Dictionary<string, string>
    {
        ["Jam__NodeId"] = $"{jamId}-{name}",
        ["Jam__NodeTimeout"] = NodeTimeout.ToString(),
    });

    private static async Task<long> OnlineAsync(ServerProcess node)
    {
        using var http = node.As();
        var rooms = await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely();
        return rooms!.Single(r => r.Id == Room).Online;
    }
}
