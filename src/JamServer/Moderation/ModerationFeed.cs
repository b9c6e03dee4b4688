using System.Collections.Concurrent;
using System.Threading.Channels;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Live;
using JamServer.Moderation.Sentiment;
using JamServer.Rooms;
using Marten;
using Microsoft.Extensions.Options;

namespace JamServer.Moderation;

/// <summary>
/// Feeds <see cref="ModerationAnalytics"/> with every committed post of the jam: first the stored ones, in the order
/// they were stored, then this node's and other nodes' as they commit. Messages between nodes are at most once, so
/// every few seconds it also compares each room's last seq in the store with the posts it recorded and reads what it
/// missed. It works apart from the writers and the fan-out, so that neither waits for it. It tells this node's
/// moderators what changed: each changed bucket at most once a second and the live counts every few seconds; a shift
/// is stored first, and the node that stored it tells every node's moderators.
/// </summary>
public sealed partial class ModerationFeed : BackgroundService
{
    public static readonly TimeSpan PushInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan CountsInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan GapCheckInterval = TimeSpan.FromSeconds(10);
    private const int Capacity = 200_000;

    private readonly Channel<ObservedPost> _posts = Channel.CreateBounded<ObservedPost>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Buckets changed since the last push: (room or "" for the jam, the bucket's start) → a time inside it.</summary>
    private readonly ConcurrentDictionary<(string Scope, long Bucket), DateTimeOffset> _changed = new();

    private readonly Dictionary<string, RoomSeqs> _recorded = new(StringComparer.Ordinal);
    private readonly IDocumentStore _store;
    private readonly ModerationAnalytics _analytics;
    private readonly RoomFanout _fanout;
    private readonly RoomPresence _presence;
    private readonly RoomCatalog _rooms;
    private readonly ISentimentScorer _scorer;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _window;
    private readonly ILogger<ModerationFeed> _log;
    private volatile bool _ready;

    public ModerationFeed(
        IDocumentStore store, ModerationAnalytics analytics, RoomFanout fanout, RoomPresence presence, RoomCatalog rooms,
        ISentimentScorer scorer, IOptions<ModerationOptions> options, TimeProvider clock, ILogger<ModerationFeed> log)
    {
        _store = store;
        _analytics = analytics;
        _fanout = fanout;
        _presence = presence;
        _rooms = rooms;
        _scorer = scorer;
        _window = options.Value.ShiftWindow;
        _clock = clock;
        _log = log;
        fanout.OtherNodesPost += (post, reading) => Enqueue(new ObservedPost(
            post.PostId, post.RoomId, post.Seq, post.Body, reading.Language, reading.Score, new DateTimeOffset(post.CreatedAt, TimeSpan.Zero)));
    }

    /// <summary>True once the stored posts are all recorded: until then the figures are incomplete.</summary>
    public bool Ready => _ready;

    /// <summary>A post this node committed.</summary>
    public void Observe(PostWritten written) => Enqueue(ObservedPost.From(written));

    private void Enqueue(ObservedPost post)
    {
        if (!_posts.Writer.TryWrite(post))
        {
            LogDropped(_log, post.PostId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            for (var delay = TimeSpan.FromSeconds(1); ; delay = delay * 2 > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : delay * 2)
            {
                try
                {
                    // A second try records only what the first did not: the figures drop posts seen before.
                    await RebuildAsync(stoppingToken);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRebuildFailed(_log, ex, delay);
                    await Task.Delay(delay, _clock, stoppingToken);
                }
            }

            _ready = true;
            await Task.WhenAll(RecordLiveAsync(stoppingToken), PushAsync(stoppingToken), FillGapsAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The stored posts, in the order they were stored; those from before scoring are scored now.</summary>
    private async Task RebuildAsync(CancellationToken ct)
    {
        var shifts = new List<SentimentShift>();
        var serializer = _store.Options.Serializer();
        await using (var connection = _store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT data FROM {_store.Options.Events.DatabaseSchemaName}.mt_events WHERE type = 'post_written' ORDER BY seq_id";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                try
                {
                    var post = ObservedPost.From(await serializer.FromJsonAsync<PostWritten>(reader, 0, ct));
                    if (Record(post) is { } result)
                    {
                        shifts.AddRange(result.Shifts);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not Npgsql.NpgsqlException)
                {
                    LogRecordFailed(_log, ex, "(a stored post)");
                }
            }
        }

        // Past shifts: stored if no node stored them yet, not pushed as news.
        foreach (var shift in shifts)
        {
            await StoreAsync(shift, ct);
        }
    }

    private RecordResult? Record(ObservedPost post)
    {
        var (language, score) = post.Language is null && _scorer.Score(post.Body) is var reading
            ? (reading.Language, reading.Score)
            : (post.Language, post.Score);
        var result = _analytics.Record(post.RoomId, post.PostId, post.At, score, language, post.Body);
        lock (_recorded)
        {
            if (!_recorded.TryGetValue(post.RoomId, out var seqs))
            {
                _recorded[post.RoomId] = seqs = new RoomSeqs();
            }

            seqs.Add(post.Seq);
        }

        return result;
    }

    private async Task RecordLiveAsync(CancellationToken ct)
    {
        await foreach (var post in _posts.Reader.ReadAllAsync(ct))
        {
            try
            {
                if (Record(post) is not { } result)
                {
                    continue;
                }

                var bucket = BucketOf(post.At);
                _changed[(post.RoomId, bucket)] = post.At;
                _changed[("", bucket)] = post.At;
                foreach (var shift in result.Shifts)
                {
                    if (await StoreAsync(shift, ct))
                    {
                        _fanout.PushToModerators(nameof(IJamClient.SentimentShift), ShiftAlertDto.From(SentimentShiftRaised.From(shift)));
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecordFailed(_log, ex, post.PostId);
            }
        }
    }

    private long BucketOf(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks / _analytics.Series.BucketSize.Ticks;

    /// <summary>True when this call stored the shift; false when it was stored before (by any node) or could not be.</summary>
    private async Task<bool> StoreAsync(SentimentShift shift, CancellationToken ct)
    {
        try
        {
            await using var session = _store.LightweightSession();
            session.Events.StartStream(shift.AlertId, SentimentShiftRaised.From(shift));
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (Exception ex) when (Resilience.IsConflict(ex))
        {
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(_log, ex, shift.AlertId);
            return false;
        }
    }

    /// <summary>Reads the posts this node missed (a message from another node lost on the way) from the store.</summary>
    private async Task FillGapsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(GapCheckInterval, _clock);
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                foreach (var room in await _rooms.LoadAllAsync(ct))
                {
                    long recorded;
                    lock (_recorded)
                    {
                        recorded = _recorded.TryGetValue(room.Id, out var seqs) ? seqs.Contiguous : 0;
                    }

                    if (room.LastSeq > recorded)
                    {
                        await ReadMissedAsync(room.Id, recorded, ct);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogGapCheckFailed(_log, ex);
            }
        }
    }

    private async Task ReadMissedAsync(string roomId, long after, CancellationToken ct)
    {
        await using var session = _store.QuerySession();
        var posts = await session.Query<PostView>()
            .Where(p => p.RoomId == roomId && p.Seq > after)
            .OrderBy(p => p.Seq)
            .Take(ReadPosts.MaxLimit)
            .ToListAsync(ct);
        foreach (var post in posts)
        {
            // Those already recorded are dropped by the figures; the rest go in line with the live ones.
            Enqueue(new ObservedPost(post.Id, post.RoomId, post.Seq, post.Body, post.Language, post.Sentiment, post.CreatedAt));
        }
    }

    private async Task PushAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PushInterval, _clock);
        var lastCounts = DateTimeOffset.MinValue;
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                foreach (var key in _changed.Keys)
                {
                    var roomId = key.Scope.Length == 0 ? null : key.Scope;
                    if (_changed.TryRemove(key, out var at) && _analytics.Series.BucketAt(roomId, at) is { } bucket)
                    {
                        _fanout.PushToModeratorsHere(
                            nameof(IJamClient.SentimentUpdated), new SentimentUpdateDto(roomId, SentimentBucketDto.From(bucket)));
                    }
                }

                var now = _clock.GetUtcNow();
                if (now - lastCounts >= CountsInterval && _fanout.HasModeratorsHere)
                {
                    lastCounts = now;
                    _fanout.PushToModeratorsHere(nameof(IJamClient.LiveCounts), await CountAsync(now, ct));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPushFailed(_log, ex);
            }
        }
    }

    public async Task<LiveCountsDto> CountAsync(DateTimeOffset now, CancellationToken ct)
    {
        var rooms = await _rooms.LoadAllAsync(ct);
        var online = await _presence.CountAsync(rooms.Select(r => r.Id).Append(RoomPresence.Jam));
        var rates = _analytics.Rate.PerMinuteByRoom(now);
        return new LiveCountsDto(
            online[RoomPresence.Jam],
            _analytics.Rate.PerMinute(null, now),
            rooms.Select(r => new RoomCountsDto(r.Id, online[r.Id], rates.GetValueOrDefault(r.Id))).ToList());
    }

    private sealed record ObservedPost(string PostId, string RoomId, long Seq, string Body, string? Language, double? Score, DateTimeOffset At)
    {
        public static ObservedPost From(PostWritten e) => new(e.PostId, e.RoomId, e.Seq, e.Body, e.Language, e.Sentiment, e.WrittenAt);
    }

    [LoggerMessage(LogLevel.Warning, "The moderation feed is full; post {PostId} waits for the next gap check")]
    private static partial void LogDropped(ILogger logger, string postId);

    [LoggerMessage(LogLevel.Error, "Post {PostId} could not be recorded in the moderation figures")]
    private static partial void LogRecordFailed(ILogger logger, Exception ex, string postId);

    [LoggerMessage(LogLevel.Warning, "Sentiment shift {AlertId} could not be stored, so it is not pushed")]
    private static partial void LogStoreFailed(ILogger logger, Exception ex, string alertId);

    [LoggerMessage(LogLevel.Warning, "A push to moderators failed")]
    private static partial void LogPushFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Error, "Rebuilding the moderation figures from the stored posts failed; trying again in {Delay}")]
    private static partial void LogRebuildFailed(ILogger logger, Exception ex, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Checking the moderation figures for missed posts failed; the next check tries again")]
    private static partial void LogGapCheckFailed(ILogger logger, Exception ex);
}
