namespace JamServer.Moderation;

/// <summary>A participant accepted the jam's guidelines; posting needs it. Its stream is <see cref="Guidelines.StreamIdOf"/>.</summary>
public sealed record GuidelinesAccepted(string ParticipantId, DateTimeOffset AcceptedAt);

/// <summary>A participant flagged a post for one of <see cref="FlagPost.Reasons"/>.</summary>
public sealed record PostFlagged(string PostId, string RoomId, string FlaggerId, string Reason, DateTimeOffset FlaggedAt);

/// <summary>
/// A post was hidden: by the community when distinct participants' flags reached the threshold
/// (<paramref name="ByCommunity"/>, <paramref name="HiddenBy"/> is then "community"), or by a moderator.
/// </summary>
public sealed record PostHidden(string PostId, string RoomId, string HiddenBy, string Reason, bool ByCommunity, DateTimeOffset HiddenAt);

/// <summary>A moderator reviewed a post's flags and kept it (or made it again) visible.</summary>
public sealed record PostRestored(string PostId, string RoomId, string RestoredBy, string Reason, DateTimeOffset RestoredAt);

/// <summary>
/// The analytics saw a room's (or, with <paramref name="RoomId"/> null, the jam's) sentiment shift; stored once under
/// its <paramref name="AlertId"/> even when several nodes see it.
/// </summary>
public sealed record SentimentShiftRaised(
    string AlertId, string? RoomId, string Kind, ShiftFigures Before, ShiftFigures After, IReadOnlyList<string> PostIds,
    DateTimeOffset DetectedAt)
{
    public static SentimentShiftRaised From(SentimentShift shift) =>
        new(shift.AlertId, shift.RoomId, shift.Kind, shift.Before, shift.After, shift.PostIds, shift.DetectedAt);
}
