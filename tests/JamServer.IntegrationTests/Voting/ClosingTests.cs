using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using JamServer.IntegrationTests.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using JamServer.Voting;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Voting;

/// <summary>A whole vote on a jam of its own: 100,000 votes, a merge, two closes at once, and the audit after.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class ClosingTests
{
    private const int Participants = 2_000;
    private const int Budget = 50;
    private const int ProposalCount = 60;
    private static readonly string[] Kinds = ["employee", "customer", "partner", "guest"];

    [Fact]
    public async Task The_jam_closes_once_and_the_tally_from_the_events_agrees_with_the_live_ranking_and_the_ballots_cast()
    {
        await using var server = new ServerProcess("t" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__VoteBudget"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jam__ShortlistSize"] = "100",
            ["Jam__VoteBurst"] = "1000",
        });
        await server.StartAsync();
        using var anonymous = server.As();
        var proposals = new List<string>();
        for (var i = 0; i < ProposalCount; i++)
        {
            await using var author = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
            var thread = await author.PostAsync(i % 3 == 0 ? "oceans" : "water", $"Idea {i}");
            proposals.Add((await author.ProposeAsync(i % 3 == 0 ? "oceans" : "water", thread.PostId, $"Idea {i}")).ProposalId);
        }

        using var organizer = server.As(await anonymous.SignInAsync("organizer"));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();

        // Each participant votes for 50 of the 60 proposals, takes two back and votes for one of them again.
        var ballots = new Dictionary<string, (string Kind, SignedIn Who)>();
        var sample = default(SignedIn);
        var next = 0;
        var accepted = 0;
        async Task VoterAsync(int n)
        {
            var kind = Kinds[n % Kinds.Length];
            var who = await anonymous.SignInAsync(kind: kind);
            var random = new Random(n);
            var chosen = proposals.OrderBy(_ => random.Next()).Take(Budget).ToList();
            await using var voter = await JamClient.ConnectAsync(server.BaseAddress, who);
            var votes = await Task.WhenAll(chosen.Select(async id =>
            {
                try
                {
                    await voter.VoteAsync(id);
                    return id;
                }
                catch (HubException refused) when (refused.Message.StartsWith("NOT_FOUND", StringComparison.Ordinal) ||
                                                   refused.Message.StartsWith("ALREADY_VOTED", StringComparison.Ordinal))
                {
                    return null; // proposal 0 was merged into proposal 1 meanwhile
                }
            }));
            var kept = votes.OfType<string>().ToList();
            Interlocked.Add(ref accepted, kept.Count + 1);

            // Proposals 0 and 1 are merged meanwhile: taking back either of them races the merge on purpose.
            var takenBack = (n % 2 == 0 ? kept.Where(id => id == proposals[0] || id == proposals[1]).Take(1) : [])
                .Concat(kept.Where(id => id != proposals[0] && id != proposals[1])).Take(2).ToList();
            foreach (var id in takenBack)
            {
                await voter.UnvoteAsync(id);
            }

            var again = takenBack.First(id => id != proposals[0] && id != proposals[1]);
            await voter.VoteAsync(again);

            lock (ballots)
            {
                ballots[who.ParticipantId] = (kind, who);
                sample ??= who;
            }
        }

        async Task WorkerAsync()
        {
            for (var n = Interlocked.Increment(ref next); n <= Participants; n = Interlocked.Increment(ref next))
            {
                if (n == Participants / 2)
                {
                    await using var moderator = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync("moderator"));
                    await moderator.MergeAsync(proposals[0], proposals[1], "The same idea twice");
                }

                await VoterAsync(n);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => WorkerAsync())).Timely(TimeSpan.FromMinutes(5));
        Assert.Equal(Participants, ballots.Count);
        Assert.True(accepted >= 100_000, $"only {accepted} votes were cast");

        using var participant = server.As(sample);

        // What each ballot holds, as the store's ballot documents say (merges resolved).
        var stored = new Dictionary<string, IReadOnlyList<string>>();
        await Parallel.ForEachAsync(ballots, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (ballot, token) =>
        {
            using var http = server.As(ballot.Value.Who);
            var mine = await http.GetFromJsonAsync<MyVotesDto>("api/me/votes", token).Timely();
            lock (stored)
            {
                stored[ballot.Key] = mine!.Proposals;
            }
        });
        Assert.DoesNotContain(stored.Values, b => b.Contains(proposals[0]));
        Assert.All(stored.Values, b => Assert.InRange(b.Count, 1, Budget));
        var expected = stored.SelectMany(b => b.Value.Select(id => (id, ballots[b.Key].Kind)))
            .GroupBy(v => v.id).ToDictionary(g => g.Key, g => (Votes: (long)g.Count(), ByKind: g.CountBy(v => v.Kind).ToDictionary()));

        // The live ranking follows the commits through a queue: it settles on the same counts.
        Dictionary<string, long> live = [];
        await Within.EventuallyAsync(async () =>
        {
            live = (await participant.GetFromJsonAsync<List<ProposalDto>>("api/proposals"))!.ToDictionary(p => p.ProposalId, p => p.Support);
            return live.All(p => p.Value == expected.GetValueOrDefault(p.Key).Votes);
        }, "the live ranking settles", TimeSpan.FromSeconds(30));
        Assert.Equal(ProposalCount - 1, live.Count);

        // Two close triggers at once: one phase change, one count.
        var closes = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Closed" })));
        Assert.Contains(closes, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(closes, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
        ShortlistDto? final = null;
        await Within.EventuallyAsync(async () =>
        {
            using var response = await participant.GetAsync("api/shortlist");
            final = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ShortlistDto>() : null;
            return final is not null;
        }, "the shortlist is published", TimeSpan.FromSeconds(60));

        Assert.Equal("final", final!.Status);
        Assert.Single(await EventLog.ReadAsync(server.JamId, server.JamId, "jam_phase_changed"), e => e.Text("Phase") == "Closed");
        Assert.Single(await EventLog.ReadAsync(server.JamId, ShortlistPublished.StreamIdOf(server.JamId), "shortlist_published"));

        // The count from the events agrees with the live ranking and with the ballots as stored.
        Assert.Equal(ProposalCount - 1, final.Proposals.Count);
        Assert.Equal(expected.Values.Sum(v => v.Votes), final.Votes);
        Assert.Equal(Participants, final.Ballots);
        foreach (var entry in final.Proposals)
        {
            Assert.Equal(live[entry.ProposalId], entry.Votes);
            Assert.Equal(expected[entry.ProposalId].Votes, entry.Votes);
            Assert.All(Kinds, k => Assert.Equal(expected[entry.ProposalId].ByKind.GetValueOrDefault(k), entry.VotersByKind[k]));
        }

        Assert.Equal([proposals[0]], final.Proposals.Single(p => p.ProposalId == proposals[1]).MergedFrom);
        Assert.True(final.Proposals.Zip(final.Proposals.Skip(1)).All(pair => pair.First.Votes >= pair.Second.Votes));

        // A participant checks their ballot is counted; anyone can check the digest.
        var receipt = await participant.GetFromJsonAsync<ReceiptDto>("api/me/receipt").Timely();
        Assert.Equal(("final", final.Digest), (receipt!.Status, receipt.Digest));
        Assert.Equal(stored[sample!.ParticipantId], receipt.Proposals);
        var counted = await participant.GetStringAsync("api/shortlist/ballots").Timely(TimeSpan.FromSeconds(60));
        Assert.Contains(receipt.BallotHash + "\n", counted, StringComparison.Ordinal);
        Assert.Equal(final.Digest, Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(counted))));

        // The documented command recounts from the events alone and agrees.
        var (exitCode, output) = await server.RunCommandAsync("tally", "--ballot", receipt.BallotHash);
        Assert.True(exitCode == 0, output);
        Assert.Contains("digest " + final.Digest, output, StringComparison.Ordinal);
        Assert.Contains("agrees", output, StringComparison.Ordinal);
        Assert.Contains("is counted", output, StringComparison.Ordinal);

        var csv = await participant.GetStringAsync("api/shortlist.csv").Timely();
        Assert.Contains(",final," + final.Digest, csv, StringComparison.Ordinal);
        await using var late = await JamClient.ConnectAsync(server.BaseAddress, sample);
        var refused = await Assert.ThrowsAsync<HubException>(() => late.VoteAsync(proposals[5]));
        Assert.StartsWith("PHASE_CLOSED: ", refused.Message, StringComparison.Ordinal);
        await BadInputTests.AssertErrorAsync(() => anonymous.GetAsync("api/shortlist"), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }
}
