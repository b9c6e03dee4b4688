using System.Net;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using JamServer.Rooms;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>
/// Two nodes on a Redis of the test's own, which dies mid-discussion and comes back empty (no persistence), as a
/// restarted cache would: everything Redis held must come back by itself, and nothing acknowledged is lost.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class RedisRestartTests(ITestOutputHelper output)
{
    /// <summary>How long after Redis listens again the nodes have to put everything right.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task When_Redis_comes_back_empty_presence_connection_counts_the_live_ranking_and_the_fan_out_between_nodes_recover_and_nothing_acknowledged_is_lost()
    {
        await using var redis = await OwnRedis.StartAsync();
        var jamId = "e" + JamClient.NewId()[..10];
        var settings = (string node) => new Dictionary<string, string>
        {
            ["Jam__NodeId"] = jamId + node,
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["Jam__MaxConnectionsPerParticipant"] = "2",
            ["Jam__VoteBudget"] = "3",
        };
        await using var nodeA = new ServerProcess(jamId, settings("-a"));
        await using var nodeB = new ServerProcess(jamId, settings("-b"));
        await Task.WhenAll(nodeA.StartAsync(), nodeB.StartAsync());
        using var httpA = nodeA.As();
        using var httpB = nodeB.As();

        var proposals = new List<string>();
        await using (var author = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync()))
        {
            for (var i = 0; i < 4; i++)
            {
                var thread = await author.PostAsync("energy-grids", $"Idea {i}");
                proposals.Add((await author.ProposeAsync("energy-grids", thread.PostId, $"Idea {i}")).ProposalId);
            }
        }

        // In the room: two members on node A (one leaves during the outage) and one on node B; a writer on node A.
        await using var readerA = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
        await using var readerB = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
        var leaver = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
        await using var writerA = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
        foreach (var member in new[] { readerA, readerB, leaver, writerA })
        {
            await member.JoinAsync("water");
        }

        // One participant at the limit of two connections, one on each node.
        var twoTabs = await httpA.SignInAsync();
        await using var tabA = await JamClient.ConnectAsync(nodeA.BaseAddress, twoTabs);
        await using var tabB = await JamClient.ConnectAsync(nodeB.BaseAddress, twoTabs, acceptGuidelines: false);
        await Within.EventuallyAsync(async () => await OnlineAsync(httpB, "water") == 4, "four members online before the outage");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await NegotiateAsync(nodeB, twoTabs)).StatusCode);

        var posts = new List<PostAck>();
        for (var i = 0; i < 3; i++)
        {
            posts.Add(await writerA.PostAsync("water", $"Before the outage #{i}"));
        }

        await readerB.WaitForPostAsync(p => p.PostId == posts[^1].PostId);

        using var organizer = nodeA.As(await httpA.SignInAsync("organizer"));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();
        await Within.EventuallyAsync(async () => (await httpB.GetFromJsonAsync<Dictionary<string, object>>("api/jam"))!["phase"].ToString() == "Voting", "node B sees Voting");
        var votes = new Dictionary<string, long>(proposals.Select(p => KeyValuePair.Create(p, 0L)), StringComparer.Ordinal);
        async Task VoteAsync(ServerProcess node, HttpClient http, int voter)
        {
            await using var client = await JamClient.ConnectAsync(node.BaseAddress, await http.SignInAsync());
            foreach (var proposal in proposals.Skip(voter % proposals.Count).Take(2))
            {
                await client.VoteAsync(proposal);
                votes[proposal]++;
            }
        }

        for (var v = 0; v < 4; v++)
        {
            await VoteAsync(v % 2 == 0 ? nodeA : nodeB, v % 2 == 0 ? httpA : httpB, v);
        }

        await Within.EventuallyAsync(async () => await SupportMatchesAsync(nodeB, readerB.Who, votes), "the live ranking counts the votes before the outage");

        // Redis dies. Posting, voting, joining and leaving go on meanwhile.
        await redis.KillAsync();
        var outage = DateTime.UtcNow;
        for (var i = 0; i < 5; i++)
        {
            posts.Add(await writerA.PostAsync("water", $"While Redis is away #{i}"));
        }

        await readerA.WaitForPostAsync(p => p.PostId == posts[^1].PostId);
        for (var v = 4; v < 8; v++)
        {
            await VoteAsync(v % 2 == 0 ? nodeA : nodeB, v % 2 == 0 ? httpA : httpB, v);
        }

        await leaver.DisposeAsync();
        await using var joinerB = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
        await using var joinerA = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
        await joinerB.JoinAsync("water");
        await joinerA.JoinAsync("water");
        Assert.Equal("Degraded", await ReadinessAsync(httpA));
        Assert.Equal("Degraded", await ReadinessAsync(httpB));
        output.WriteLine($"Outage: {(DateTime.UtcNow - outage).TotalSeconds:0.0} s");

        // It comes back empty.
        await redis.StartAgainAsync();
        var back = DateTime.UtcNow;
        await Within.EventuallyAsync(async () => await ReadinessAsync(httpA) == "Healthy" && await ReadinessAsync(httpB) == "Healthy", "both nodes are healthy again", Recovery);
        output.WriteLine($"Healthy again after {(DateTime.UtcNow - back).TotalSeconds:0.0} s");

        // Presence: readerA, readerB, writerA and the two joiners, on both nodes, and pushed to members on both nodes.
        await Within.EventuallyAsync(async () => await OnlineAsync(httpA, "water") == 5 && await OnlineAsync(httpB, "water") == 5, "five members online on both nodes", Recovery);
        output.WriteLine($"Presence right after {(DateTime.UtcNow - back).TotalSeconds:0.0} s");
        await Task.WhenAll(readerA.WaitForPresenceAsync(p => p is { RoomId: "water", Online: 5 }), readerB.WaitForPresenceAsync(p => p is { RoomId: "water", Online: 5 }));

        // The connection limit counts the two tabs again.
        await Within.EventuallyAsync(async () => (await NegotiateAsync(nodeA, twoTabs)).StatusCode == HttpStatusCode.TooManyRequests, "the two-tab participant is at the limit again", Recovery);
        output.WriteLine($"Connection counts right after {(DateTime.UtcNow - back).TotalSeconds:0.0} s");

        // The live ranking counts every vote, those acknowledged while Redis was away among them.
        await Within.EventuallyAsync(async () => await SupportMatchesAsync(nodeA, readerA.Who, votes) && await SupportMatchesAsync(nodeB, readerB.Who, votes), "the live ranking counts every vote on both nodes", Recovery);
        output.WriteLine($"Live ranking right after {(DateTime.UtcNow - back).TotalSeconds:0.0} s");
        await readerB.WaitForTallyAsync(t => t.Top.Count == proposals.Count && t.Top.All(e => e.Votes == votes[e.ProposalId]));

        // Posts cross between nodes again: one from each node after the return reaches the other node's member live.
        posts.Add(await writerA.PostAsync("water", "Redis is back, from node A"));
        await readerB.WaitForPostAsync(p => p.PostId == posts[^1].PostId);
        posts.Add(await joinerB.PostAsync("water", "Redis is back, from node B"));
        await readerA.WaitForPostAsync(p => p.PostId == posts[^1].PostId);
        await readerB.WaitForPostAsync(p => p.PostId == posts[^1].PostId);

        // Node B's member missed the posts written on node A while Redis was away; the gap shows, and catch-up fills it.
        var held = readerB.Posts.Select(p => p.Seq).ToHashSet();
        var missedLive = posts.Count(p => !held.Contains(p.Seq));
        var lastWithoutGap = Enumerable.Range(1, posts.Count).TakeWhile(s => held.Contains(s)).LastOrDefault();
        var caughtUp = await readerB.JoinAsync("water", lastWithoutGap);
        held.UnionWith(caughtUp.Posts.Select(p => p.Seq));
        Assert.Equal(posts.Select(p => p.Seq).Order(), held.Order());

        using var signedIn = nodeB.As(readerB.Who);
        var stored = (await signedIn.GetFromJsonAsync<List<PostDto>>("api/rooms/water/posts?limit=1000").Timely())!;
        Assert.Equal(posts.Select(p => p.PostId).Order(), stored.Select(p => p.PostId).Order());
        Assert.Equal(Enumerable.Range(1, posts.Count).Select(s => (long)s), stored.Select(p => p.Seq).Order());
        output.WriteLine($"Posts: sent {posts.Count}, acknowledged {posts.Count}, stored {stored.Count}, lost 0; node B's member missed {missedLive} live and caught up from seq {lastWithoutGap}");
        output.WriteLine($"Votes: acknowledged {votes.Values.Sum()}, counted live {votes.Values.Sum()}");
    }

    private static async Task<HttpResponseMessage> NegotiateAsync(ServerProcess node, SignedIn who)
    {
        using var http = node.As(who);
        return await http.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null).Timely();
    }

    private static async Task<long> OnlineAsync(HttpClient http, string roomId) =>
        (await http.GetFromJsonAsync<List<RoomDto>>("api/rooms"))!.Single(r => r.Id == roomId).Online;

    private static async Task<bool> SupportMatchesAsync(ServerProcess node, SignedIn who, IReadOnlyDictionary<string, long> votes)
    {
        using var http = node.As(who);
        var live = (await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals"))!.ToDictionary(p => p.ProposalId, p => p.Support);
        return votes.All(v => live[v.Key] == v.Value);
    }

    private static async Task<string> ReadinessAsync(HttpClient http) =>
        await (await http.GetAsync(new Uri("health/ready", UriKind.Relative))).Content.ReadAsStringAsync();
}
