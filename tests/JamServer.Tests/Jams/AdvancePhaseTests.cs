using JamServer.Infrastructure;
using JamServer.Jams;

namespace JamServer.Tests.Jams;

public sealed class AdvancePhaseTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static JamView Jam(JamPhase phase, DateTimeOffset? endsAt) => new()
    {
        Id = "jam",
        Phase = phase,
        PhaseEndsAt = endsAt,
        DiscussionLength = TimeSpan.FromHours(72),
        VotingLength = TimeSpan.FromHours(24),
    };

    [Fact]
    public void Nothing_happens_before_the_phase_falls_due()
    {
        var changes = AdvancePhase.DecideBySchedule(Jam(JamPhase.Discussion, Start), Start.AddSeconds(-1));

        Assert.Empty(changes);
    }

    [Fact]
    public void A_due_discussion_moves_to_voting_once_with_the_full_voting_length_from_the_planned_moment()
    {
        var changes = AdvancePhase.DecideBySchedule(Jam(JamPhase.Discussion, Start), Start.AddMinutes(5));

        var change = Assert.Single(changes);
        Assert.Equal(JamPhase.Voting, change.Phase);
        Assert.Equal(Start.AddHours(24), change.PhaseEndsAt);
        Assert.Equal(AdvancePhase.BySchedule, change.ChangedBy);
        Assert.Equal(Start.AddMinutes(5), change.ChangedAt);
    }

    [Fact]
    public void A_server_that_was_down_through_several_phases_catches_up_in_order()
    {
        var changes = AdvancePhase.DecideBySchedule(Jam(JamPhase.Scheduled, Start), Start.AddDays(10));

        Assert.Equal([JamPhase.Discussion, JamPhase.Voting, JamPhase.Closed], changes.Select(c => c.Phase));
        Assert.Null(changes[^1].PhaseEndsAt);
    }

    [Fact]
    public void A_closed_jam_never_moves_again()
    {
        Assert.Empty(AdvancePhase.DecideBySchedule(Jam(JamPhase.Closed, null), Start.AddYears(1)));
    }

    [Fact]
    public void An_organizer_moves_the_jam_forward_and_the_new_phase_gets_its_full_length_from_now()
    {
        var change = AdvancePhase.DecideByOrganizer(Jam(JamPhase.Discussion, Start.AddHours(70)), JamPhase.Voting, "p-org", Start);

        Assert.Equal(JamPhase.Voting, change.Phase);
        Assert.Equal(Start.AddHours(24), change.PhaseEndsAt);
        Assert.Equal("p-org", change.ChangedBy);
    }

    [Theory]
    [InlineData(JamPhase.Discussion)]
    [InlineData(JamPhase.Scheduled)]
    public void An_organizer_cannot_move_the_jam_back_or_to_the_phase_it_is_in(JamPhase target)
    {
        var refused = Assert.Throws<JamException>(() =>
            AdvancePhase.DecideByOrganizer(Jam(JamPhase.Discussion, Start), target, "p-org", Start));

        Assert.Equal(ErrorCodes.PhaseOrder, refused.Code);
        Assert.Equal(409, refused.HttpStatus);
    }

    [Theory]
    [InlineData("voting", JamPhase.Voting)]
    [InlineData("Closed", JamPhase.Closed)]
    public void Phase_names_are_read_without_regard_to_case(string name, JamPhase expected)
    {
        Assert.Equal(expected, AdvancePhase.ParsePhase(name));
    }

    [Theory]
    [InlineData("Finished")]
    [InlineData("2")]
    [InlineData("Discussion,Voting")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_phase_is_invalid_input(string? name)
    {
        Assert.Equal(ErrorCodes.InvalidInput, Assert.Throws<JamException>(() => AdvancePhase.ParsePhase(name)).Code);
    }
}
