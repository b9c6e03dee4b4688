namespace JamServer.Moderation;

/// <summary>
/// The moderators' analytics fed with one call per committed post: the sentiment series, the shift detector, the
/// live counts and the themes. The series decides whether a post is new, so a post recorded twice (a replay
/// overlapping live posts, a message seen twice) counts once everywhere. Rebuilding at start is recording the stored
/// posts in order of time, live posts may arrive meanwhile; the shifts returned while replaying are past ones (their
/// <see cref="SentimentShift.AlertId"/> lets them be stored once), not news to push. Thread-safe.
/// </summary>
public sealed class ModerationAnalytics
{
    public ModerationAnalytics(ModerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Series = new SentimentSeries(options);
        Shifts = new ShiftDetector(options);
    }

    public SentimentSeries Series { get; }

    public ShiftDetector Shifts { get; }

    public ThemeIndex Themes { get; } = new();

    public PostRate Rate { get; } = new();

    /// <summary>
    /// Records a post with its sentiment score (null when unscored) and language (its terms are read from
    /// <paramref name="text"/> when it is English). Returns null, changing nothing, when the post was recorded before.
    /// </summary>
    public RecordResult? Record(string roomId, string postId, DateTimeOffset at, double? score, string? language, string text)
    {
        if (Series.Record(roomId, postId, at, score) is not { } buckets)
        {
            return null;
        }

        Rate.Record(roomId, at);
        var shifts = Shifts.Observe(roomId, postId, at, score);
        Themes.Add(roomId, postId, at, TermExtractor.Terms(text, language ?? ""), score);
        return new RecordResult(buckets.RoomBucket, buckets.JamBucket, shifts);
    }
}
