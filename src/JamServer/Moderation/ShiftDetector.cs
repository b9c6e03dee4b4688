using System.Collections.Concurrent;

namespace JamServer.Moderation;

/// <summary>
/// Watches each room and the whole jam for sentiment shifts (the rules are in docs/moderation.md).
/// It must see each post once: feed it only posts that <see cref="SentimentSeries.Record"/> counted (as
/// <see cref="ModerationAnalytics"/> does), in order of time give or take a window (a replay must go in order of
/// time too, or the jam's windows skip the posts that come late).
/// Thread-safe: each scope has its own lock.
/// </summary>
public sealed class ShiftDetector
{
    private readonly ShiftRules _rules;
    private readonly ConcurrentDictionary<string, ShiftScope> _rooms = new(StringComparer.Ordinal);
    private readonly ShiftScope _jam;

    public ShiftDetector(ModerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rules = ShiftRules.From(options);
        _jam = new ShiftScope(null, _rules);
    }

    /// <summary>
    /// Takes a post into its room's windows and the jam's; returns the shifts it raised there (the room's first),
    /// usually none. An unscored post is not evidence of a mood and changes nothing.
    /// </summary>
    public IReadOnlyList<SentimentShift> Observe(string roomId, string postId, DateTimeOffset at, double? score)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        ArgumentException.ThrowIfNullOrEmpty(postId);
        if (Score.ToMicros(score) is not { } micros)
        {
            return [];
        }

        var room = _rooms.GetOrAdd(roomId, static (id, rules) => new ShiftScope(id, rules), _rules).Observe(postId, at, micros);
        var jam = _jam.Observe(postId, at, micros);
        return (room, jam) switch
        {
            (null, null) => [],
            ({ } r, null) => [r],
            (null, { } j) => [j],
            ({ } r, { } j) => [r, j],
        };
    }
}
