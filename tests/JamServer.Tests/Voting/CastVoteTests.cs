using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;
using JamServer.Voting;

namespace JamServer.Tests.Voting;

public sealed class CastVoteTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, ProposalView> _proposals = new()
    {
        ["a"] = new ProposalView { Id = "a" },
        ["b"] = new ProposalView { Id = "b" },
        ["c"] = new ProposalView { Id = "c" },
    };

    private CastVote.Decision Decide(BallotView ballot, string proposalId, bool retract = false, int budget = 2, JamPhase phase = JamPhase.Voting)
    {
        var decision = CastVote.Decide(
            ballot, new CastVote.Command(ballot.VoterId, "partner", proposalId, retract), _proposals.GetValueOrDefault, budget, phase, Now);
        foreach (var e in decision.Events)
        {
            ballot.Apply(e);
        }

        return decision;
    }

    private static void AssertRefused(string code, Action decide) => Assert.Equal(code, Assert.Throws<JamException>(decide).Code);

    [Fact]
    public void A_vote_is_a_fact_on_the_ballot_and_says_how_many_votes_are_left()
    {
        var ballot = BallotView.Empty("ann");

        var decision = Decide(ballot, "a");

        var cast = Assert.IsType<VoteCast>(Assert.Single(decision.Events));
        Assert.Equal(new VoteCast("ann", "a", "partner", Now), cast);
        Assert.Equal(1, decision.Remaining);
        Assert.Equal("a", decision.CountsFor);
    }

    [Fact]
    public void Votes_are_taken_only_during_voting()
    {
        foreach (var phase in new[] { JamPhase.Scheduled, JamPhase.Discussion, JamPhase.Closed })
        {
            AssertRefused(ErrorCodes.PhaseClosed, () => Decide(BallotView.Empty("ann"), "a", phase: phase));
            AssertRefused(ErrorCodes.PhaseClosed, () => Decide(BallotView.Empty("ann"), "a", retract: true, phase: phase));
        }
    }

    [Fact]
    public void The_budget_holds_and_a_retraction_frees_a_vote()
    {
        var ballot = BallotView.Empty("ann");
        Decide(ballot, "a");
        Assert.Equal(0, Decide(ballot, "b").Remaining);

        AssertRefused(ErrorCodes.BudgetExceeded, () => Decide(ballot, "c"));
        Assert.Equal(1, Decide(ballot, "a", retract: true).Remaining);
        Assert.Equal(0, Decide(ballot, "c").Remaining);
        Assert.Equal(["b", "c"], ballot.Proposals);
    }

    [Fact]
    public void One_proposal_takes_one_vote_from_a_participant()
    {
        var ballot = BallotView.Empty("ann");
        Decide(ballot, "a");

        AssertRefused(ErrorCodes.AlreadyVoted, () => Decide(ballot, "a"));
    }

    [Fact]
    public void Unknown_proposals_and_votes_never_cast_are_not_found()
    {
        AssertRefused(ErrorCodes.NotFound, () => Decide(BallotView.Empty("ann"), "nope"));
        AssertRefused(ErrorCodes.NotFound, () => Decide(BallotView.Empty("ann"), "a", retract: true));
    }

    [Fact]
    public void A_merged_away_proposal_takes_no_new_votes_but_its_old_votes_count_for_the_target()
    {
        var ballot = BallotView.Empty("ann");
        Decide(ballot, "a");
        _proposals["a"].MergedInto = "b";

        AssertRefused(ErrorCodes.NotFound, () => Decide(ballot, "a"));
        AssertRefused(ErrorCodes.AlreadyVoted, () => Decide(ballot, "b"));
        Assert.Equal(0, Decide(ballot, "c").Remaining);
    }

    [Fact]
    public void A_voter_of_both_merged_proposals_counts_once_and_gets_a_vote_back()
    {
        var ballot = BallotView.Empty("ann");
        Decide(ballot, "a", budget: 3);
        Decide(ballot, "b", budget: 3);
        _proposals["a"].MergedInto = "b";

        Assert.Equal(["b"], CastVote.Effective(ballot.Proposals, id => _proposals[id].MergedInto));
        Assert.Equal(1, Decide(ballot, "c", budget: 3).Remaining);

        // Taking back the merged vote takes back both votes that count for it.
        var retracted = Decide(ballot, "a", retract: true, budget: 3);
        Assert.Equal(2, retracted.Events.Count);
        Assert.Equal(["c"], ballot.Proposals);
        Assert.Equal(2, retracted.Remaining);
    }

    [Fact]
    public void A_ballot_keeps_the_kind_of_its_first_vote()
    {
        var ballot = BallotView.Empty("ann");
        Decide(ballot, "a", budget: 3);

        var second = CastVote.Decide(ballot, new CastVote.Command("ann", "employee", "b", false), _proposals.GetValueOrDefault, 3, JamPhase.Voting, Now);

        Assert.Equal("partner", Assert.IsType<VoteCast>(Assert.Single(second.Events)).VoterKind);
    }

    [Fact]
    public void Kinds_from_other_issuers_count_as_guests() => Assert.Equal("guest", CastVote.KindOf("robot"));
}
