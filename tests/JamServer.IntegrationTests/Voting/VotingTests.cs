using System.Net;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using JamServer.Voting;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Voting;

[Collection(VotingCollection.Name)]
public sealed class VotingTests(VotingFixture jam)
{
    private static async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HubException>(call);
        Assert.StartsWith(code + ": ", refused.Message, StringComparison.Ordinal);
    }

    private async Task<IReadOnlyDictionary<string, long>> SupportAsync()
    {
        using var http = jam.Server.As(await jam.SignInAsync());
        var listed = await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals").Timely();
        return listed!.ToDictionary(p => p.ProposalId, p => p.Support);
    }

    /// <summary>The live ranking follows the commits through a queue: wait until it shows what is expected.</summary>
    private async Task<IReadOnlyDictionary<string, long>> SupportWhenAsync(Func<IReadOnlyDictionary<string, long>, bool> expected, string what)
    {
        IReadOnlyDictionary<string, long> support = new Dictionary<string, long>();
        await Within.EventuallyAsync(async () => expected(support = await SupportAsync()), what);
        return support;
    }

    [Fact]
    public async Task A_participant_votes_within_the_budget_takes_votes_back_and_sees_their_own_votes()
    {
        var p = jam.Take(4);
        await using var ann = await jam.ConnectAsync();

        Assert.Equal(2, (await ann.VoteAsync(p[0])).Remaining);
        Assert.Equal(1, (await ann.VoteAsync(p[1])).Remaining);
        Assert.Equal(0, (await ann.VoteAsync(p[2])).Remaining);
        await AssertRefusedAsync("BUDGET_EXCEEDED", () => ann.VoteAsync(p[3]));
        await AssertRefusedAsync("ALREADY_VOTED", () => ann.VoteAsync(p[0]));
        await AssertRefusedAsync("NOT_FOUND", () => ann.VoteAsync("prop-nothing"));
        await AssertRefusedAsync("NOT_FOUND", () => ann.UnvoteAsync(p[3]));
        await AssertRefusedAsync("INVALID_INPUT", () => ann.VoteAsync(""));
        Assert.Equal(1, (await ann.UnvoteAsync(p[1])).Remaining);
        Assert.Equal(0, (await ann.VoteAsync(p[3])).Remaining);

        using var http = jam.Server.As(ann.Who);
        var mine = await http.GetFromJsonAsync<MyVotesDto>("api/me/votes").Timely();
        Assert.Equal((3, 0), (mine!.Budget, mine.Remaining));
        Assert.Equal(new[] { p[0], p[2], p[3] }.Order(StringComparer.Ordinal), mine.Proposals);
        await SupportWhenAsync(support => p.Select(id => support[id]).SequenceEqual([1L, 0L, 1L, 1L]), "the live ranking shows the votes");
        var ballot = BallotView.StreamIdOf(ann.Who.ParticipantId);
        Assert.Equal(4, (await EventLog.ReadAsync(jam.Server.JamId, ballot, "vote_cast")).Count);
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, ballot, "vote_retracted"));
    }

    [Fact]
    public async Task Parallel_votes_from_one_participant_over_several_connections_never_pass_the_budget_nor_count_twice()
    {
        var p = jam.Take(6);
        var who = await jam.SignInAsync();
        var connections = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => JamClient.ConnectAsync(jam.Server.BaseAddress, who)));
        try
        {
            // Every connection votes for every proposal, twice, all at once: 48 votes for a budget of 3.
            var attempts = connections.SelectMany(c => p.Concat(p).Select(async id =>
            {
                try
                {
                    await c.VoteAsync(id);
                    return "ok";
                }
                catch (HubException refused)
                {
                    return refused.Message.Split(':')[0];
                }
            }));
            var outcomes = await Task.WhenAll(attempts);

            Assert.Equal(3, outcomes.Count(o => o == "ok"));
            Assert.All(outcomes.Where(o => o != "ok"), o => Assert.Contains(o, new[] { "ALREADY_VOTED", "BUDGET_EXCEEDED" }));
            var cast = await EventLog.ReadAsync(jam.Server.JamId, BallotView.StreamIdOf(who.ParticipantId), "vote_cast");
            Assert.Equal(3, cast.Count);
            Assert.Equal(3, cast.Select(e => e.Text("ProposalId")).Distinct().Count());
            await SupportWhenAsync(support => p.Sum(id => support[id]) == 3, "the live ranking shows three votes");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Merging_carries_supporters_over_counts_a_voter_of_both_once_and_gives_that_voter_a_vote_back()
    {
        var p = jam.Take(3);
        await using var both = await jam.ConnectAsync();
        await using var sourceOnly = await jam.ConnectAsync(kind: "partner");
        await using var targetOnly = await jam.ConnectAsync(kind: "customer");
        await using var moderator = await jam.ConnectAsync("moderator");
        await both.VoteAsync(p[0]);
        Assert.Equal(1, (await both.VoteAsync(p[1])).Remaining);
        await sourceOnly.VoteAsync(p[0]);
        await targetOnly.VoteAsync(p[1]);

        await moderator.MergeAsync(p[0], p[1], "Duplicates");

        var support = await SupportWhenAsync(s => !s.ContainsKey(p[0]) && s[p[1]] == 3, "the merge shows in the live ranking");
        Assert.Equal(3, support[p[1]]);
        await AssertRefusedAsync("NOT_FOUND", () => sourceOnly.VoteAsync(p[0]));
        await AssertRefusedAsync("ALREADY_VOTED", () => sourceOnly.VoteAsync(p[1]));
        using var http = jam.Server.As(both.Who);
        var mine = await http.GetFromJsonAsync<MyVotesDto>("api/me/votes").Timely();
        Assert.Equal(2, mine!.Remaining);
        Assert.Equal([p[1]], mine.Proposals);
        Assert.Equal(1, (await both.VoteAsync(p[2])).Remaining);

        // Taking back the merged-away vote takes back the vote where it counts now.
        Assert.Equal(3, (await sourceOnly.UnvoteAsync(p[0])).Remaining);
        await SupportWhenAsync(s => s[p[1]] == 2, "the taken-back vote leaves the live ranking");
    }

    [Fact]
    public async Task The_live_ranking_is_pushed_at_most_once_a_second_however_fast_votes_arrive()
    {
        var p = jam.Take(1);
        await using var watcher = await jam.ConnectAsync();
        var voters = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => jam.ConnectAsync()));
        try
        {
            foreach (var voter in voters)
            {
                await voter.VoteAsync(p[0]);
                await Task.Delay(50);
            }

            await watcher.WaitForTallyAsync(t => t.Top.Any(e => e.ProposalId == p[0] && e.Votes == 20));
            // The first may be the last top, sent when the watcher connected; the broadcasts come a second apart.
            var pushes = watcher.Tallies.Select(t => t.At).Skip(1).ToList();
            Assert.All(pushes.Zip(pushes.Skip(1)), pair => Assert.True(pair.Second - pair.First > TimeSpan.FromMilliseconds(800), $"pushed {pair.Second - pair.First} apart"));
            var entry = watcher.Tallies[^1].Tally.Top.First(e => e.ProposalId == p[0]);
            Assert.Equal(("Idea", "oceans"), (entry.Title[..4], entry.RoomId is "oceans" or "water" ? "oceans" : entry.RoomId));
        }
        finally
        {
            foreach (var voter in voters)
            {
                await voter.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task During_voting_participants_may_not_see_the_shortlist_executives_see_it_provisional_and_proposals_are_closed()
    {
        var p = jam.Take(1);
        await using var ann = await jam.ConnectAsync();
        await ann.VoteAsync(p[0]);
        using var participant = jam.Server.As(ann.Who);
        await BadInputTests.AssertErrorAsync(() => participant.GetAsync("api/shortlist"), HttpStatusCode.Forbidden, "FORBIDDEN");

        using var executive = jam.Server.As(await jam.SignInAsync("executive"));
        var shortlist = await executive.GetFromJsonAsync<ShortlistDto>("api/shortlist").Timely();
        Assert.Equal("provisional", shortlist!.Status);
        Assert.InRange(shortlist.Proposals.Count, 1, 10);
        Assert.Equal(Enumerable.Range(1, shortlist.Proposals.Count), shortlist.Proposals.Select(e => e.Rank));
        Assert.True(shortlist.Proposals.Zip(shortlist.Proposals.Skip(1)).All(pair => pair.First.Votes >= pair.Second.Votes));
        var entry = shortlist.Proposals[0];
        Assert.Equal(entry.Votes, entry.VotersByKind.Values.Sum());
        Assert.True(entry.Posts >= 1 && entry.Participants >= 1);
        var csv = await executive.GetStringAsync("api/shortlist.csv").Timely();
        Assert.StartsWith("rank,proposal_id,title", csv, StringComparison.Ordinal);
        Assert.Equal(shortlist.Proposals.Count + 1, csv.TrimEnd('\n').Split('\n').Length);

        await using var author = await jam.ConnectAsync();
        var thread = await author.PostAsync("oceans", "A late idea");
        await AssertRefusedAsync("PHASE_CLOSED", () => author.ProposeAsync("oceans", thread.PostId, "Too late"));
        var receipt = await participant.GetFromJsonAsync<ReceiptDto>("api/me/receipt").Timely();
        Assert.Equal(("provisional", true), (receipt!.Status, receipt.Counted));
        Assert.Equal([p[0]], receipt.Proposals);
        Assert.Equal(Tally.BallotHash(ann.Who.ParticipantId, [p[0]]), receipt.BallotHash);
    }
}
