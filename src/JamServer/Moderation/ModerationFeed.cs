using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Live;
using JamServer.Moderation.Sentiment;
using JamServer.Rooms;
using Marten;

namespace JamServer.Moderation;

/// <summary>
/// Feeds <see cref="ModerationAnalytics"/> with every committed post of the jam: first the stored ones, in the order
/// they were stored, then this node's and other nodes' as they commit. Away from the writers and the fan-out, so that
/// neither waits for it. Tells this node's moderators what changed: each changed bucket at most once a second, each
/// shift at once (and stores it), and the live counts every few seconds.
/// </summary>
public sealed partial class ModerationFeed : BackgroundService
{
    public static readonly TimeSpan PushInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan CountsInterval = TimeSpan.FromSeconds(5);
    private const int Capacity = 200_000;

    private readonly Channel<ObservedPost> _posts = Channel.CreateBounded<ObservedPost>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly ConcurrentDictionary<string, DateTimeOffset> _changed = new(StringComparer.Ordinal);
    private readonly IDocumentStore _store;
    private readonly ModerationAnalytics _analytics;
    private readonly RoomFanout _fanout;
    private readonly RoomPresence _presence;
    private readonly RoomCatalog _rooms;
    private readonly ISentimentScorer _scorer;
    private readonly TimeProvider _clock;
    private readonly ILogger<ModerationFeed> _log;

    public ModerationFeed(
        IDocumentStore store, ModerationAnalytics analytics, RoomFanout fanout, RoomPresence presence, RoomCatalog rooms,
        ISentimentScorer scorer, TimeProvider clock, ILogger<ModerationFeed> log)
    {
        _store = store;
        _analytics = analytics;
        _fanout = fanout;
        _presence = presence;
        _rooms = rooms;
        _scorer = scorer;
        _clock = clock;
        _log = log;
        fanout.OtherNodesPost += (post, reading) =>
            Enqueue(new ObservedPost(post.PostId, post.RoomId, post.Body, reading.Language, reading.Score, new DateTimeOffset(post.CreatedAt, TimeSpan.Zero)));
    }

    /// <summary>True once the stored posts are all recorded: until then the figures are incomplete.</summary>
    public bool Ready { get; private set; }

    /// <summary>A post this node committed.</summary>
    public void Observe(PostWritten written) =>
        Enqueue(new ObservedPost(written.PostId, written.RoomId, written.Body, written.Language, written.Sentiment, written.WrittenAt));

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
            await RebuildAsync(stoppingToken);
            Ready = true;
            await Task.WhenAll(RecordLiveAsync(stoppingToken), PushAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The stored posts, in the order they were stored; those from before scoring are scored now.</summary>
    private async Task RebuildAsync(CancellationToken ct)
    {
        var shifts = new List<SentimentShift>();
        await using (var connection = _store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT data FROM {_store.Options.Events.DatabaseSchemaName}.mt_events WHERE type = 'post_written' ORDER BY seq_id";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var written = JsonSerializer.Deserialize<PostWritten>(reader.GetString(0))!;
                var (language, score) = written.Language is null
                    ? _scorer.Score(written.Body) is var reading ? (reading.Language, reading.Score) : default
                    : (written.Language, written.Sentiment);
                if (_analytics.Record(written.RoomId, written.PostId, written.WrittenAt, score, language, written.Body) is { } result)
                {
                    shifts.AddRange(result.Shifts);
                }
            }
        }

        // Past shifts: stored if no node stored them yet, not pushed as news.
        foreach (var shift in shifts)
        {
            await StoreAsync(shift, ct);
        }
    }

    private async Task RecordLiveAsync(CancellationToken ct)
    {
        await foreach (var post in _posts.Reader.ReadAllAsync(ct))
        {
            try
            {
                if (_analytics.Record(post.RoomId, post.PostId, post.At, post.Score, post.Language, post.Body) is not { } result)
                {
                    continue;
                }

                _changed[post.RoomId] = post.At;
                _changed[""] = post.At;
                foreach (var shift in result.Shifts)
                {
                    var raised = SentimentShiftRaised.From(shift);
                    _fanout.PushToModeratorsHere(nameof(IJamClient.SentimentShift), ShiftAlertDto.From(raised));
                    await StoreAsync(shift, ct);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRecordFailed(_log, ex, post.PostId);
            }
        }
    }

    private async Task StoreAsync(SentimentShift shift, CancellationToken ct)
    {
        try
        {
            await using var session = _store.LightweightSession();
            session.Events.StartStream(shift.AlertId, SentimentShiftRaised.From(shift));
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (Resilience.IsConflict(ex))
        {
            // Another node stored it first.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(_log, ex, shift.AlertId);
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
                foreach (var scope in _changed.Keys)
                {
                    if (_changed.TryRemove(scope, out var at)
                        && _analytics.Series.BucketAt(scope.Length == 0 ? null : scope, at) is { } bucket)
                    {
                        var roomId = scope.Length == 0 ? null : scope;
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

    private sealed record ObservedPost(string PostId, string RoomId, string Body, string? Language, double? Score, DateTimeOffset At);

    [LoggerMessage(LogLevel.Warning, "The moderation feed is full; post {PostId} is left out of the figures until the next start")]
    private static partial void LogDropped(ILogger logger, string postId);

    [LoggerMessage(LogLevel.Error, "Post {PostId} could not be recorded in the moderation figures")]
    private static partial void LogRecordFailed(ILogger logger, Exception ex, string postId);

    [LoggerMessage(LogLevel.Warning, "Sentiment shift {AlertId} could not be stored; moderators on this node were told")]
    private static partial void LogStoreFailed(ILogger logger, Exception ex, string alertId);

    [LoggerMessage(LogLevel.Warning, "A push to moderators failed")]
    private static partial void LogPushFailed(ILogger logger, Exception ex);
}
