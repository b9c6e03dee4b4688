using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using JamServer.IntegrationTests.Support;
using JamServer.Voting;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Voting;

/// <summary>
/// Two server processes on one jam: the closing count runs exactly once, whichever node's trigger fires and even
/// when the node counting dies in the middle of it.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class CloseOnTwoNodesTests(ITestOutputHelper output)
{
    private const string Counting = "Counting the votes for the shortlist on node";

    [Fact]
    public async Task Organizers_closing_on_both_nodes_at_once_change_the_phase_once_and_one_count_publishes_the_shortlist_both_nodes_serve()
    {
        var jamId = "c" + JamClient.NewId()[..10];
        await using var nodeA = new ServerProcess(jamId, Settings(jamId, "-a"));
        await using var nodeB = new ServerProcess(jamId, Settings(jamId, "-b"));
        await Task.WhenAll(nodeA.StartAsync(), nodeB.StartAsync());
        var (votes, organizer) = await VoteOnBothNodesAsync(nodeA, nodeB);

        using var organizerA = nodeA.As(organizer);
        using var organizerB = nodeB.As(organizer);
        var closes = await Task.WhenAll(
            organizerA.PostAsJsonAsync("api/jam/phase", new { phase = "Closed" }),
            organizerB.PostAsJsonAsync("api/jam/phase", new { phase = "Closed" })).Timely();
        Assert.Single(closes, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(closes, r => r.StatusCode == HttpStatusCode.Conflict);

        var fromA = await FinalShortlistAsync(nodeA, organizer, TimeSpan.FromSeconds(30));
        var fromB = await FinalShortlistAsync(nodeB, organizer, TimeSpan.FromSeconds(30));
        Assert.Equal(fromA.Digest, fromB.Digest);
        AssertCounts(votes, fromA);
        await AssertClosedAndPublishedOnceAsync(jamId);
        Assert.Equal(1, Occurrences(nodeA.Output, Counting) + Occurrences(nodeB.Output, Counting));
    }

    [Fact]
    public async Task When_the_node_counting_the_votes_dies_midway_the_other_publishes_the_one_shortlist_and_it_matches_the_votes()
    {
        var jamId = "k" + JamClient.NewId()[..10];

        // Voting closes by the schedule on both nodes at once; each count waits 10 s before publishing (a test hook).
        var settings = (string node) => new Dictionary<string, string>(Settings(jamId, node))
        {
            ["Jam__VotingLength"] = "00:00:30",
            ["Jam__Testing__CountDelay"] = "00:00:10",
        };
        await using var nodeA = new ServerProcess(jamId, settings("-a"));
        await using var nodeB = new ServerProcess(jamId, settings("-b"));
        await Task.WhenAll(nodeA.StartAsync(), nodeB.StartAsync());
        var (votes, organizer) = await VoteOnBothNodesAsync(nodeA, nodeB);

        ServerProcess? counting = null;
        await Within.EventuallyAsync(() =>
        {
            counting = nodeA.Output.Contains(Counting, StringComparison.Ordinal) ? nodeA
                : nodeB.Output.Contains(Counting, StringComparison.Ordinal) ? nodeB
                : null;
            return Task.FromResult(counting is not null);
        }, "a node starts counting when Voting ends", TimeSpan.FromSeconds(60));
        var survivor = counting == nodeA ? nodeB : nodeA;
        await counting!.KillAsync();
        var killed = DateTime.UtcNow;

        var shortlist = await FinalShortlistAsync(survivor, organizer, TimeSpan.FromSeconds(40));
        output.WriteLine($"Published by the surviving node {(DateTime.UtcNow - killed).TotalSeconds:0.0} s after the counting node was killed (count delay 10 s)");
        Assert.Equal(1, Occurrences(survivor.Output, Counting));
        AssertCounts(votes, shortlist);
        await AssertClosedAndPublishedOnceAsync(jamId);
        var closed = (await EventLog.ReadAsync(jamId, jamId, "jam_phase_changed")).Single(e => e.Text("Phase") == "Closed");
        Assert.Equal("schedule", closed.Text("ChangedBy"));
    }

    private static Dictionary<string, string> Settings(string jamId, string node) => new()
    {
        ["Jam__NodeId"] = jamId + node,
        ["Jam__VoteBudget"] = "3",
        ["Serilog__MinimumLevel__Override__JamServer.Voting.ShortlistPublisher"] = "Information",
    };

    /// <summary>Four proposals, then Voting, and six voters, half on each node: what each proposal should get.</summary>
    private static async Task<(Dictionary<string, long> Votes, SignedIn Organizer)> VoteOnBothNodesAsync(ServerProcess nodeA, ServerProcess nodeB)
    {
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

        var organizer = await httpA.SignInAsync("organizer");
        using (var http = nodeA.As(organizer))
        {
            (await http.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();
        }

        await Within.EventuallyAsync(async () => (await httpB.GetFromJsonAsync<Dictionary<string, object>>("api/jam"))!["phase"].ToString() == "Voting", "node B sees Voting");
        var votes = proposals.ToDictionary(p => p, _ => 0L, StringComparer.Ordinal);
        for (var v = 0; v < 6; v++)
        {
            var (node, http) = v % 2 == 0 ? (nodeA, httpA) : (nodeB, httpB);
            await using var voter = await JamClient.ConnectAsync(node.BaseAddress, await http.SignInAsync());
            foreach (var proposal in proposals.Skip(v % proposals.Count).Take(2))
            {
                await voter.VoteAsync(proposal);
                votes[proposal]++;
            }
        }

        return (votes, organizer);
    }

    private static async Task<ShortlistDto> FinalShortlistAsync(ServerProcess node, SignedIn who, TimeSpan within)
    {
        using var http = node.As(who);
        ShortlistDto? final = null;
        await Within.EventuallyAsync(async () =>
        {
            using var response = await http.GetAsync("api/shortlist");
            final = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ShortlistDto>() : null;
            return final?.Status == "final";
        }, $"node {node.Port} serves the final shortlist", within);
        return final!;
    }

    private static void AssertCounts(Dictionary<string, long> votes, ShortlistDto shortlist)
    {
        Assert.Equal(votes.Values.Sum(), shortlist.Votes);
        Assert.Equal(votes.Where(v => v.Value > 0).OrderBy(v => v.Key).Select(v => (v.Key, v.Value)),
            shortlist.Proposals.OrderBy(p => p.ProposalId).Select(p => (p.ProposalId, p.Votes)));
    }

    private static async Task AssertClosedAndPublishedOnceAsync(string jamId)
    {
        Assert.Single(await EventLog.ReadAsync(jamId, jamId, "jam_phase_changed"), e => e.Text("Phase") == "Closed");
        Assert.Single(await EventLog.ReadAsync(jamId, ShortlistPublished.StreamIdOf(jamId), "shortlist_published"));
    }

    private static int Occurrences(string text, string what) => Regex.Count(text, Regex.Escape(what));
}
