using JamServer.Proposals;
using JamServer.Voting;

namespace JamServer.Tests.Voting;

public sealed class TallyTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static ProposalMade Made(string id, int minute) => new(id, "room", "t-" + id, id, id, "author", "Author", "c", Start.AddMinutes(minute));

    private static readonly ProposalMade[] Proposals = [Made("a", 0), Made("b", 1), Made("c", 2), Made("d", 3)];

    [Fact]
    public void Votes_are_counted_per_proposal_by_kind_and_retractions_undo_them()
    {
        var tally = new Tally();
        tally.Cast("ann", "a", "employee");
        tally.Cast("bo", "a", "customer");
        tally.Cast("bo", "b", "customer");
        tally.Retract("bo", "b");
        tally.Cast("cy", "c", "partner");

        var result = tally.Count(Proposals, []);

        Assert.Equal([("a", 2L), ("c", 1L), ("b", 0L), ("d", 0L)], result.Ranking.Select(r => (r.ProposalId, r.Votes)));
        Assert.Equal(1, result.Ranking[0].VotersByKind["employee"]);
        Assert.Equal(1, result.Ranking[0].VotersByKind["customer"]);
        Assert.Equal(3, result.Ballots);
        Assert.Equal(3, result.Votes);
    }

    [Fact]
    public void Ties_go_to_the_earlier_proposal_then_to_the_smaller_id()
    {
        var tally = new Tally();
        tally.Cast("ann", "d", "employee");
        tally.Cast("bo", "b", "employee");
        var sameMoment = new[] { Made("z", 0), Made("y", 0) };

        var result = tally.Count([.. Proposals, .. sameMoment], []);

        Assert.Equal(["b", "d", "a", "y", "z", "c"], result.Ranking.Select(r => r.ProposalId));
    }

    [Fact]
    public void A_merge_carries_supporters_over_without_counting_anyone_twice()
    {
        var tally = new Tally();
        tally.Cast("ann", "a", "employee");
        tally.Cast("ann", "b", "employee");
        tally.Cast("bo", "a", "guest");
        tally.Cast("cy", "b", "partner");
        tally.Cast("di", "c", "partner");

        var result = tally.Count(Proposals, [new ProposalMerged("a", "b", "mod", "same idea", Start), new ProposalMerged("c", "b", "mod", "same", Start)]);

        var b = result.Ranking[0];
        Assert.Equal(("b", 4L), (b.ProposalId, b.Votes));
        Assert.Equal(["a", "c"], b.MergedFrom);
        Assert.DoesNotContain(result.Ranking, r => r.ProposalId is "a" or "c");
        Assert.Equal(4, result.Votes);
    }

    [Fact]
    public void The_digest_depends_on_the_counted_ballots_not_on_the_order_votes_arrived()
    {
        var first = new Tally();
        first.Cast("ann", "a", "employee");
        first.Cast("bo", "b", "employee");
        first.Cast("ann", "c", "employee");
        var second = new Tally();
        second.Cast("bo", "b", "employee");
        second.Cast("ann", "c", "employee");
        second.Cast("ann", "a", "employee");
        second.Cast("cy", "d", "employee");
        second.Retract("cy", "d");

        var digest = first.Count(Proposals, []).Digest;

        Assert.Equal(digest, second.Count(Proposals, []).Digest);
        Assert.Equal(64, digest.Length);
        Assert.Contains(Tally.BallotHash("ann", ["c", "a"]), first.Count(Proposals, []).BallotHashes);
        var third = new Tally();
        third.Cast("ann", "a", "employee");
        Assert.NotEqual(digest, third.Count(Proposals, []).Digest);
    }
}
