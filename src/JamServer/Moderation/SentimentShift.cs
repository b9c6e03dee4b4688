using System.Globalization;

namespace JamServer.Moderation;

/// <summary>
/// A room's (or, with <paramref name="RoomId"/> null, the whole jam's) sentiment crossed over or moved
/// (<see cref="ShiftKinds"/>). <paramref name="PostIds"/> are up to five posts of the after window whose scores pull
/// hardest in the shift's direction, strongest first. <paramref name="DetectedAt"/> is the time of the scope's newest
/// scored post when the rule first held, not a clock's.
/// </summary>
public sealed record SentimentShift(
    string? RoomId, string Kind, ShiftFigures Before, ShiftFigures After, IReadOnlyList<string> PostIds, DateTimeOffset DetectedAt,
    TimeSpan Window)
{
    /// <summary>
    /// Made from the scope, the kind and the window-long slot of time it was seen in (counted from the Unix epoch), not
    /// from the exact moment: nodes that saw the posts in a slightly different order, or a node rebuilding at start,
    /// name the same shift alike, and it is stored once (insert if absent). Two shifts of one kind in one scope are
    /// at least a window apart (the move's cooldown; a crossing must cross back first), so they rarely share a slot.
    /// </summary>
    public string AlertId => string.Create(
        CultureInfo.InvariantCulture,
        $"shift:{(RoomId is null ? "jam" : "room:" + RoomId)}:{Kind}:{(DetectedAt - DateTimeOffset.UnixEpoch).Ticks / Window.Ticks}");
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
