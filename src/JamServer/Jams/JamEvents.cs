namespace JamServer.Jams;

public enum JamPhase
{
    Scheduled,
    Discussion,
    Voting,
    Closed,
}

public sealed record JamScheduled(
    string JamId,
    string Title,
    TimeSpan DiscussionLength,
    TimeSpan VotingLength,
    DateTimeOffset DiscussionStartsAt,
    int VoteBudget,
    int ShortlistSize,
    DateTimeOffset ScheduledAt);

/// <summary>A room opened; <paramref name="Position"/> orders the room list.</summary>
public sealed record RoomOpened(string JamId, string RoomId, string Title, string Description, int Position, DateTimeOffset OpenedAt);

/// <summary>The jam entered <paramref name="Phase"/>; <paramref name="PhaseEndsAt"/> is null once Closed.</summary>
public sealed record JamPhaseChanged(
    string JamId,
    JamPhase Phase,
    DateTimeOffset? PhaseEndsAt,
    string ChangedBy,
    DateTimeOffset ChangedAt);
