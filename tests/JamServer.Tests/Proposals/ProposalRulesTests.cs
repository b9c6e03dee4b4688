using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;

namespace JamServer.Tests.Proposals;

public sealed class ProposalRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly PostView Thread = new() { Id = "t1", ThreadId = "t1", RoomId = "oceans" };

    private static ProposeIdea.Command Command(string author = "ann", string clientId = "c1") =>
        ProposeIdea.Validate(new ProposeRequest("oceans", "t1", "  Reef sensors  ", "Cheap sensors on every reef.", clientId), author, "Ann");

    private static string CodeOf(Action act) => Assert.Throws<JamException>(act).Code;

    [Fact]
    public void A_thread_becomes_a_proposal_whose_id_follows_from_the_thread()
    {
        var made = ProposeIdea.Decide(Command(), JamPhase.Discussion, Thread, null, Now);

        Assert.Equal(new ProposalMade("prop-t1", "oceans", "t1", "Reef sensors", "Cheap sensors on every reef.", "ann", "Ann", "c1", Now), made);
    }

    [Fact]
    public void Titles_and_summaries_have_limits()
    {
        static ProposeRequest Request(string? title, string? summary) => new("oceans", "t1", title, summary, "c1");
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(Request("", "s"), "ann", "Ann")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(Request(new string('t', ProposeIdea.MaxTitleLength + 1), "s"), "ann", "Ann")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(Request("two\nlines", "s"), "ann", "Ann")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(Request("t", new string('s', ProposeIdea.MaxSummaryLength + 1)), "ann", "Ann")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(null, "ann", "Ann")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(new ProposeRequest("oceans", null, "t", "s", "c1"), "ann", "Ann")));
    }

    [Fact]
    public void Only_a_thread_of_the_room_during_discussion_can_be_proposed()
    {
        Assert.Equal(ErrorCodes.PhaseClosed, CodeOf(() => ProposeIdea.Decide(Command(), JamPhase.Voting, Thread, null, Now)));
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => ProposeIdea.Decide(Command(), JamPhase.Discussion, null, null, Now)));
        var reply = new PostView { Id = "t1", ThreadId = "t0", RoomId = "oceans" };
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => ProposeIdea.Decide(Command(), JamPhase.Discussion, reply, null, Now)));
        var elsewhere = new PostView { Id = "t1", ThreadId = "t1", RoomId = "space" };
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => ProposeIdea.Decide(Command(), JamPhase.Discussion, elsewhere, null, Now)));
    }

    [Fact]
    public void A_thread_holds_one_proposal_and_a_resend_gets_the_same_answer()
    {
        var existing = new ProposalView { Id = "prop-t1", AuthorId = "ann", ClientId = "c1" };

        Assert.Null(ProposeIdea.Decide(Command(), JamPhase.Voting, Thread, existing, Now));
        Assert.Equal(ErrorCodes.AlreadyProposed, CodeOf(() => ProposeIdea.Decide(Command("bo"), JamPhase.Discussion, Thread, existing, Now)));
        Assert.Equal(ErrorCodes.AlreadyProposed, CodeOf(() => ProposeIdea.Decide(Command(clientId: "c2"), JamPhase.Discussion, Thread, existing, Now)));
    }

    [Fact]
    public void A_merge_says_who_and_why_and_needs_two_open_proposals()
    {
        var command = MergeProposals.Validate("a", "b", " duplicate ", "mod");
        var a = new ProposalView { Id = "a" };
        var b = new ProposalView { Id = "b" };

        var (merged, absorbed) = MergeProposals.Decide(command, JamPhase.Voting, a, b, Now);

        Assert.Equal(new ProposalMerged("a", "b", "mod", "duplicate", Now), merged);
        Assert.Equal(new ProposalAbsorbed("b", "a", "mod", Now), absorbed);
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => MergeProposals.Validate("a", "a", "why", "mod")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => MergeProposals.Validate("a", "b", " ", "mod")));
        Assert.Equal(ErrorCodes.PhaseClosed, CodeOf(() => MergeProposals.Decide(command, JamPhase.Closed, a, b, Now)));
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => MergeProposals.Decide(command, JamPhase.Voting, null, b, Now)));
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => MergeProposals.Decide(command, JamPhase.Voting, new ProposalView { Id = "a", MergedInto = "c" }, b, Now)));
        Assert.Equal(ErrorCodes.NotFound, CodeOf(() => MergeProposals.Decide(command, JamPhase.Voting, a, new ProposalView { Id = "b", MergedInto = "c" }, Now)));
    }
}
