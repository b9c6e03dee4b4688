using System.Globalization;

namespace JamServer.Moderation;

/// <summary>
/// A room's (or, with <paramref name="RoomId"/> null, the whole jam's) sentiment crossed over or moved
/// (<see cref="ShiftKinds"/>). <paramref name="PostIds"/> are up to five posts of the after window whose scores pull
/// hardest in the shift's direction, strongest first. <paramref name="DetectedAt"/> is the time of the scope's newest
/// scored post when the rule first held, not a clock's.
/// </summary>
public sealed record SentimentShift(
    string? RoomId, string Kind, ShiftFigures Before, ShiftFigures After, IReadOnlyList<string> PostIds, DateTimeOffset DetectedAt)
{
    /// <summary>
    /// Made from the scope, the kind and the moment, so that nodes that saw the same posts in the same order name the
    /// same shift alike and it can be stored once (insert if absent).
    /// </summary>
    public string AlertId =>
        string.Create(CultureInfo.InvariantCulture, $"shift:{(RoomId is null ? "jam" : "room:" + RoomId)}:{Kind}:{DetectedAt.UtcTicks}");
}

/// <summary>
/// A window's figures: the mean score and share negative of its <paramref name="Volume"/> scored posts, over
/// (<paramref name="From"/>, <paramref name="To"/>].
/// </summary>
public sealed record ShiftFigures(double? Mean, int Volume, double ShareNegative, DateTimeOffset From, DateTimeOffset To);

/// <summary>The kinds of <see cref="SentimentShift"/>.</summary>
public static class ShiftKinds
{
    /// <summary>The mood crossed from negative to constructive.</summary>
    public const string TurnedConstructive = "turned_constructive";

    /// <summary>The mood crossed from constructive to negative.</summary>
    public const string TurnedNegative = "turned_negative";

    /// <summary>The mean rose by at least the threshold from the before window to the after window.</summary>
    public const string Rose = "rose";

    /// <summary>The mean fell by at least the threshold from the before window to the after window.</summary>
    public const string Fell = "fell";
}
