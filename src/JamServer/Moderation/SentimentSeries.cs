using System.Collections.Concurrent;

namespace JamServer.Moderation;

/// <summary>
/// The sentiment of each room and of the whole jam, in buckets of <see cref="ModerationOptions.BucketSize"/> aligned
/// from the Unix epoch, updated as posts are recorded. A post counts once however often it is recorded (a replay
/// overlapping live posts, a message seen twice), and goes into the bucket of its own time whatever order posts
/// arrive in, so a series rebuilt from the stored posts equals the live one.
/// Thread-safe: any number of threads may record and query at once.
/// </summary>
public sealed class SentimentSeries
{
    private readonly long _bucketTicks;
    private readonly int _negativeMicros;
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ScopeSeries> _rooms = new(StringComparer.Ordinal);
    private readonly ScopeSeries _jam;

    public SentimentSeries(ModerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bucketTicks = options.BucketSize.Ticks;
        _negativeMicros = Score.ToMicros(options.NegativeBelow);
        _jam = new ScopeSeries(_bucketTicks);
    }

    public TimeSpan BucketSize => TimeSpan.FromTicks(_bucketTicks);

    /// <summary>
    /// Counts the post in its room's bucket and the jam's. A score outside [-1, 1] is clamped; a null (or NaN) score
    /// counts as unscored. Returns null, changing nothing, when this post id was recorded before.
    /// </summary>
    public SeriesUpdate? Record(string roomId, string postId, DateTimeOffset at, double? score)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        ArgumentException.ThrowIfNullOrEmpty(postId);
        if (!_seen.TryAdd(postId, 0))
        {
            return null;
        }

        var index = TimeBuckets.Index(at, _bucketTicks);
        var micros = Score.ToMicros(score);
        var negative = micros <= _negativeMicros;
        var room = _rooms.GetOrAdd(roomId, static (_, ticks) => new ScopeSeries(ticks), _bucketTicks);
        return new SeriesUpdate(room.Add(index, micros, negative), _jam.Add(index, micros, negative));
    }

    /// <summary>
    /// The non-empty buckets overlapping [from, to), oldest first: of the room, or of the whole jam when
    /// <paramref name="roomId"/> is null. The first may start before <paramref name="from"/>.
    /// </summary>
    public IReadOnlyList<SentimentBucket> Buckets(string? roomId, DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from || Scope(roomId) is not { } scope)
        {
            return [];
        }

        return scope.Range(TimeBuckets.Index(from, _bucketTicks), TimeBuckets.Index(to - TimeSpan.FromTicks(1), _bucketTicks));
    }

    /// <summary>The bucket holding <paramref name="at"/> in the room (or the jam when null); null while it is empty.</summary>
    public SentimentBucket? BucketAt(string? roomId, DateTimeOffset at) =>
        Scope(roomId)?.At(TimeBuckets.Index(at, _bucketTicks));

    private ScopeSeries? Scope(string? roomId) =>
        roomId is null ? _jam : _rooms.GetValueOrDefault(roomId);
}
