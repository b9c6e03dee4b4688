using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace JamServer.Infrastructure;

/// <summary>
/// The server's own instruments, on the meter "JamServer" (exported at /metrics, see <see cref="JamTelemetry"/>), and
/// its activity source for spans. Counters and one histogram record per post and node, never per recipient: the hot
/// paths pay an interlocked add or a bucket lookup, and nothing is allocated.
/// </summary>
public sealed class JamMetrics
{
    public const string Name = "JamServer";

    /// <summary>Where an error was answered: the <c>source</c> tag of jam.errors.</summary>
    public const string Hub = "hub";

    public const string Http = "http";

    /// <summary>Spans of batch commits; StartActivity returns null (and costs a check) while nobody listens.</summary>
    public static readonly ActivitySource Tracing = new(Name);

    // Seconds, for latencies from a millisecond to ten seconds (the SDK's default buckets are for milliseconds).
    private static readonly double[] Seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10];

    private readonly UpDownCounter<long> _connectionsOpen;
    private readonly Counter<long> _connectionsOpened;
    private readonly Counter<long> _connectionsClosed;
    private readonly Counter<long> _joins;
    private readonly Counter<long> _posts;
    private readonly Counter<long> _votes;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _rateLimited;
    private readonly Histogram<double> _delivery;
    private readonly Histogram<double> _backplanePublish;
    private readonly Histogram<double> _storeCommit;
    private readonly Histogram<int> _batchSize;

    public JamMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _connectionsOpen = meter.CreateUpDownCounter<long>("jam.connections.open", "{connection}", "Hub connections open on this node now.");
        _connectionsOpened = meter.CreateCounter<long>("jam.connections.opened", "{connection}", "Hub connections opened on this node.");
        _connectionsClosed = meter.CreateCounter<long>("jam.connections.closed", "{connection}", "Hub connections closed on this node.");
        _joins = meter.CreateCounter<long>("jam.room.joins", "{join}", "Room joins (JoinRoom calls) answered with posts.");
        _posts = meter.CreateCounter<long>("jam.posts.written", "{post}", "Posts committed to the store by this node.");
        _votes = meter.CreateCounter<long>("jam.votes.written", "{vote}", "Votes and unvotes committed to the store by this node.");
        _errors = meter.CreateCounter<long>("jam.errors", "{error}", "Errors answered to clients, by stable code and by where (hub or http).");
        _rateLimited = meter.CreateCounter<long>("jam.rate_limit.rejections", "{rejection}", "Calls and connections refused by a rate or connection limit.");
        _delivery = meter.CreateHistogram(
            "jam.post.delivery.duration", "s",
            "From a post's commit to its frame handed to every connection of its room on this node; once per post and node.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
        _backplanePublish = meter.CreateHistogram(
            "jam.backplane.publish.duration", "s", "Redis PUBLISH of a message to the other nodes, until Redis answered.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
        _storeCommit = meter.CreateHistogram(
            "jam.store.commit.duration", "s", "One batch transaction of a writer (post or vote), decisions and commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
        _batchSize = meter.CreateHistogram<int>(
            "jam.store.batch.size", "{command}", "Commands in one batch transaction of a writer.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
    }

    /// <summary>
    /// Counters exported from the start at zero, so that a rate over their first increments is not lost. Once the
    /// meter provider listens: measurements before it are dropped.
    /// </summary>
    public void StartAtZero()
    {
        _connectionsOpen.Add(0);
        foreach (var counter in new[] { _connectionsOpened, _connectionsClosed, _joins, _posts, _votes })
        {
            counter.Add(0);
        }

        foreach (var limit in (string[])["posts", "votes", "flags", "joins", "connections", "admission", "catch-ups"])
        {
            _rateLimited.Add(0, new KeyValuePair<string, object?>("limit", limit));
        }
    }

    public void ConnectionOpened()
    {
        _connectionsOpen.Add(1);
        _connectionsOpened.Add(1);
    }

    public void ConnectionClosed()
    {
        _connectionsOpen.Add(-1);
        _connectionsClosed.Add(1);
    }

    public void RoomJoined() => _joins.Add(1);

    /// <summary>Facts a writer committed: "post" or "vote" (<see cref="BatchWriter{TCommand, TAck, TFact}"/>'s noun).</summary>
    public void Written(string noun, int count)
    {
        if (count > 0)
        {
            (noun == "vote" ? _votes : _posts).Add(count);
        }
    }

    /// <summary>An error answered with a stable code (<see cref="ErrorCodes"/>): a bounded set, so a bounded tag.</summary>
    public void Error(string code, string source) =>
        _errors.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("source", source));

    /// <summary>"posts", "votes", "flags", "joins", "connections", "admission" (new connections), "catch-ups" (JoinRoom shed).</summary>
    public void RateLimited(string limit) => _rateLimited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public void PostDelivered(TimeSpan sinceCommit, bool fromHere) =>
        _delivery.Record(sinceCommit.TotalSeconds, new KeyValuePair<string, object?>("origin", fromHere ? "local" : "remote"));

    public void BackplanePublished(TimeSpan elapsed) => _backplanePublish.Record(elapsed.TotalSeconds);

    public void StoreCommitted(string noun, int batchSize, TimeSpan elapsed, bool succeeded)
    {
        var writer = new KeyValuePair<string, object?>("writer", noun);
        _storeCommit.Record(elapsed.TotalSeconds, writer, new KeyValuePair<string, object?>("outcome", succeeded ? "ok" : "error"));
        _batchSize.Record(batchSize, writer);
    }
}
