using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using JamServer.Voting;
using Microsoft.AspNetCore.SignalR;
using Npgsql;

namespace JamServer.IntegrationTests.Voting;

/// <summary>Two server processes on one PostgreSQL and one Redis: the vote's rules are kept by the store, not by a node.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class TwoNodeVotingTests
{
    [Fact]
    public async Task Votes_through_two_nodes_keep_the_budget_and_a_close_on_one_node_counts_every_vote_acknowledged_on_the_other_and_none_after()
    {
        var jamId = "v" + JamClient.NewId()[..10];
        var settings = (string node) => new Dictionary<string, string>
        {
            ["Jam__NodeId"] = jamId + node,
            ["Jam__VoteBudget"] = "3",
            ["Jam__VoteBurst"] = "1000",
        };
        await using var nodeA = new ServerProcess(jamId, settings("-a"));
        await using var nodeB = new ServerProcess(jamId, settings("-b"));
        await nodeA.StartAsync();
        await nodeB.StartAsync();
        using var httpA = nodeA.As();
        using var httpB = nodeB.As();
        var proposals = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            await using var author = await JamClient.ConnectAsync(nodeA.BaseAddress, await httpA.SignInAsync());
            var thread = await author.PostAsync("energy-grids", $"Idea {i}");
            proposals.Add((await author.ProposeAsync("energy-grids", thread.PostId, $"Idea {i}")).ProposalId);
        }

        using var organizer = nodeA.As(await httpA.SignInAsync("organizer"));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();
        await Within.EventuallyAsync(async () => (await httpB.GetFromJsonAsync<Dictionary<string, object>>("api/jam"))!["phase"].ToString() == "Voting", "node B sees Voting");

        // One participant, two connections on each node, every proposal twice from each: 64 votes for a budget of 3.
        var who = await httpA.SignInAsync();
        var connections = new List<JamClient>();
        foreach (var node in new[] { nodeA, nodeA, nodeB, nodeB })
        {
            connections.Add(await JamClient.ConnectAsync(node.BaseAddress, who));
        }

        var outcomes = await Task.WhenAll(connections.SelectMany(c => proposals.Concat(proposals).Select(id => TryVoteAsync(c, id))));
        Assert.Equal(3, outcomes.Count(o => o == "ok"));
        Assert.All(outcomes.Where(o => o != "ok"), o => Assert.Contains(o, new[] { "ALREADY_VOTED", "BUDGET_EXCEEDED" }));
        Assert.Equal(3, (await EventLog.ReadAsync(jamId, BallotView.StreamIdOf(who.ParticipantId), "vote_cast")).Count);
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        // A ballot changed on the other node is decided as stored, not as this node last wrote it.
        var quinn = await httpA.SignInAsync();
        await using (var onA = await JamClient.ConnectAsync(nodeA.BaseAddress, quinn))
        await using (var onB = await JamClient.ConnectAsync(nodeB.BaseAddress, quinn))
        {
            Assert.Equal(2, (await onA.VoteAsync(proposals[0])).Remaining);
            Assert.Equal(3, (await onB.UnvoteAsync(proposals[0])).Remaining);
            Assert.Equal(2, (await onA.VoteAsync(proposals[0])).Remaining);
        }

        // Quinn's ballot holds one vote, cast twice and taken back once.
        const int QuinnVotes = 1, QuinnCasts = 2;

        // Voters keep voting on node B while an organizer closes the jam on node A, whose change B learns late.
        var acknowledged = 3;
        using var stop = new CancellationTokenSource();
        async Task VoterLoopAsync(int loop)
        {
            var random = new Random(loop);
            while (!stop.IsCancellationRequested)
            {
                await using var voter = await JamClient.ConnectAsync(nodeB.BaseAddress, await httpB.SignInAsync());
                foreach (var id in proposals.OrderBy(_ => random.Next()).Take(3))
                {
                    var outcome = await TryVoteAsync(voter, id);
                    if (outcome == "ok")
                    {
                        Interlocked.Increment(ref acknowledged);
                    }
                    else if (outcome == "PHASE_CLOSED")
                    {
                        return;
                    }
                    else
                    {
                        Assert.Fail($"vote refused with {outcome}");
                    }
                }
            }
        }

        var loops = Enumerable.Range(0, 16).Select(VoterLoopAsync).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Closed" }).Timely()).EnsureSuccessStatusCode();
        stop.CancelAfter(TimeSpan.FromSeconds(10));
        await Task.WhenAll(loops).Timely(TimeSpan.FromSeconds(30));

        ShortlistDto? final = null;
        await Within.EventuallyAsync(async () =>
        {
            using var response = await httpB.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/shortlist")
            {
                Headers = { Authorization = new("Bearer", who.Token) },
            });
            final = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ShortlistDto>() : null;
            return final?.Status == "final";
        }, "the shortlist is published", TimeSpan.FromSeconds(60));

        // Every acknowledged vote is counted, and the store holds no vote beyond them (none slipped in after the close).
        Assert.Equal(acknowledged + QuinnVotes, final!.Votes);
        Assert.Equal(acknowledged + QuinnCasts, await VotesStoredAsync(jamId));
        Assert.Single(await EventLog.ReadAsync(jamId, ShortlistPublished.StreamIdOf(jamId), "shortlist_published"));
        await Within.EventuallyAsync(async () =>
        {
            using var http = nodeB.As(who);
            var live = (await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals"))!.ToDictionary(p => p.ProposalId, p => p.Support);
            return final.Proposals.All(p => live[p.ProposalId] == p.Votes);
        }, "the live ranking on node B agrees with the count");
    }

    private static async Task<string> TryVoteAsync(JamClient client, string proposalId)
    {
        try
        {
            await client.VoteAsync(proposalId);
            return "ok";
        }
        catch (HubException refused)
        {
            return refused.Message.Split(':')[0];
        }
    }

    private static async Task<long> VotesStoredAsync(string jamId)
    {
        await using var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync().Timely();
        var schema = Infrastructure.JamStore.SchemaName(jamId);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {schema}.mt_events WHERE type = 'vote_cast'", connection);
        return (long)(await command.ExecuteScalarAsync().Timely())!;
    }
}
