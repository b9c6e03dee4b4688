using System.Threading.Channels;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Rooms;
using Marten;
using Polly;
using Polly.Registry;

namespace JamServer.Discussion;

/// <summary>
/// The one writer of posts on this node. Concurrent posts queue here and are appended in batches: one
/// transaction (one WAL flush) for everything that arrived meanwhile. A post is acknowledged only after its
/// transaction committed, and only committed posts are handed to the <see cref="Live.RoomFanout"/>.
/// </summary>
public sealed partial class PostWriter(
    IDocumentStore store,
    JamState jam,
    Live.RoomFanout fanout,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<JamOptions> options,
    ILogger<PostWriter> log) : BackgroundService
{
    /// <summary>Tries on fresh state when another node wrote to the same room meanwhile.</summary>
    private const int MaxConflictAttempts = 8;

    private readonly int _maxBatch = options.Value.PostBatchMax;


    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(10_000) { SingleReader = true });

    // The last sequence number of each room as this node knows it; only the writer loop touches it.
    private readonly Dictionary<string, long> _lastSeq = new(StringComparer.Ordinal);

    public async Task<PostAck> WriteAsync(WritePost.Command command, CancellationToken ct)
    {
        var pending = new Pending(command, new TaskCompletionSource<PostAck>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        return await pending.Done.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteBatchAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: nothing below was stored, so nothing is acknowledged.
        }
        finally
        {
            _queue.Writer.TryComplete();
            var unavailable = new JamException(ErrorCodes.Unavailable, "The server is shutting down; send the post again.");
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(unavailable);
            }

            while (_queue.Reader.TryRead(out var pending))
            {
                pending.Done.TrySetException(unavailable);
            }
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<Pending> batch, CancellationToken ct)
    {
        Outcome[] outcomes;
        var pipeline = pipelines.GetPipeline(Resilience.StoreWrite);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                outcomes = await pipeline.ExecuteAsync(async token => await CommitAsync(batch, token), ct);
                break;
            }
            catch (Exception ex) when (Resilience.IsConflict(ex))
            {
                // Another node wrote to one of these rooms (or a post was resent meanwhile): what this node knew of
                // the rooms is stale. Decide again on fresh state after a short random pause, so that two nodes
                // writing to one room take turns.
                _lastSeq.Clear();
                if (attempt < MaxConflictAttempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
                    continue;
                }

                if (batch.Count > 1)
                {
                    // Still conflicting: write each post alone, so one post's conflict cannot fail the others.
                    foreach (var pending in batch)
                    {
                        await WriteBatchAsync([pending], ct);
                    }

                    return;
                }

                LogConflict(log, ex);
                batch[0].Done.TrySetException(new JamException(ErrorCodes.Unavailable, "The room was busy; send the post again."));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _lastSeq.Clear();
                if (batch.Count > 1 && !Resilience.IsTransient(ex))
                {
                    // Not the store being away: find the one post the store refuses rather than fail them all.
                    foreach (var pending in batch)
                    {
                        await WriteBatchAsync([pending], ct);
                    }

                    return;
                }

                LogBatchFailed(log, ex, batch.Count);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(new JamException(ErrorCodes.Unavailable, "The store is unavailable; send the post again."));
                }

                return;
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            outcomes[i].Complete(batch[i].Done);
        }

        foreach (var outcome in outcomes)
        {
            if (outcome.Written is { } written)
            {
                _lastSeq[written.RoomId] = Math.Max(_lastSeq.GetValueOrDefault(written.RoomId), written.Seq);
            }
        }

        foreach (var written in outcomes.Select(o => o.Written).OfType<PostWritten>())
        {
            fanout.Publish(written);
        }
    }

    private async Task<Outcome[]> CommitAsync(IReadOnlyList<Pending> batch, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var commands = batch.Select(p => p.Command).ToList();

        var keys = commands.Select(c => c.IdempotencyKey).Distinct().ToList();
        var earlier = (await session.Query<PostView>().Where(p => p.IdempotencyKey.IsOneOf(keys)).ToListAsync(ct))
            .ToDictionary(p => p.IdempotencyKey, StringComparer.Ordinal);

        var parentIds = commands.Where(c => c.ParentId is not null).Select(c => c.ParentId!).Distinct().ToArray();
        var parents = parentIds.Length == 0
            ? new Dictionary<string, PostView>()
            : (await session.LoadManyAsync<PostView>(ct, parentIds)).ToDictionary(p => p.Id, StringComparer.Ordinal);

        var rooms = await LoadRoomsAsync(session, commands, ct);
        var nextSeq = rooms.Values.ToDictionary(r => r.Id, r => r.LastSeq, StringComparer.Ordinal);
        var phase = jam.Current.Phase;
        var now = clock.GetUtcNow();

        var outcomes = new Outcome[batch.Count];
        var firstOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var appends = new Dictionary<string, List<PostWritten>>(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            if (earlier.TryGetValue(command.IdempotencyKey, out var stored))
            {
                outcomes[i] = Outcome.Ack(new PostAck(stored.Id, stored.Seq));
                continue;
            }

            if (firstOfKey.TryGetValue(command.IdempotencyKey, out var first))
            {
                outcomes[i] = outcomes[first].AsResend();
                continue;
            }

            firstOfKey[command.IdempotencyKey] = i;
            try
            {
                var room = rooms.GetValueOrDefault(command.RoomId);
                var parent = command.ParentId is null ? null : parents.GetValueOrDefault(command.ParentId);
                var seq = room is null ? 0 : nextSeq[room.Id] + 1;
                var written = WritePost.Decide(command, phase, room, parent, seq, NewPostId(), now);
                nextSeq[written.RoomId] = seq;
                (appends.TryGetValue(written.RoomId, out var list) ? list : appends[written.RoomId] = []).Add(written);
                outcomes[i] = Outcome.New(written);
            }
            catch (JamException rejected)
            {
                outcomes[i] = Outcome.Rejected(rejected);
            }
        }

        if (appends.Count == 0)
        {
            return outcomes;
        }

        foreach (var (roomId, events) in appends)
        {
            var lastSeq = rooms[roomId].LastSeq;
            if (lastSeq == 0)
            {
                session.Events.StartStream(roomId, events.Cast<object>().ToArray());
            }
            else
            {
                session.Events.Append(roomId, lastSeq + events.Count, events.Cast<object>().ToArray());
            }
        }

        await session.SaveChangesAsync(ct);
        return outcomes;
    }

    private async Task<Dictionary<string, RoomView>> LoadRoomsAsync(
        IQuerySession session, List<WritePost.Command> commands, CancellationToken ct)
    {
        var roomIds = commands.Select(c => c.RoomId).Distinct().ToArray();
        var unknown = roomIds.Where(id => !_lastSeq.ContainsKey(id)).ToArray();
        var rooms = new Dictionary<string, RoomView>(StringComparer.Ordinal);
        if (unknown.Length > 0)
        {
            foreach (var room in await session.LoadManyAsync<RoomView>(ct, unknown))
            {
                rooms[room.Id] = room;
                _lastSeq[room.Id] = room.LastSeq;
            }
        }

        foreach (var id in roomIds.Where(id => !rooms.ContainsKey(id) && _lastSeq.ContainsKey(id)))
        {
            rooms[id] = new RoomView { Id = id, LastSeq = _lastSeq[id] };
        }

        return rooms;
    }

    private static string NewPostId() => Guid.CreateVersion7().ToString("N");

    [LoggerMessage(LogLevel.Warning, "A post kept conflicting with other writers of its room; the client is asked to resend")]
    private static partial void LogConflict(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Error, "A batch of {Count} posts could not be stored")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count);

    private sealed record Pending(WritePost.Command Command, TaskCompletionSource<PostAck> Done);

    private sealed record Outcome(PostAck? Acknowledged, PostWritten? Written, JamException? Error)
    {
        public static Outcome New(PostWritten written) => new(new PostAck(written.PostId, written.Seq), written, null);

        public static Outcome Ack(PostAck ack) => new(ack, null, null);

        public static Outcome Rejected(JamException error) => new(null, null, error);

        /// <summary>The same post sent twice in one batch: the same answer, broadcast once.</summary>
        public Outcome AsResend() => this with { Written = null };

        public void Complete(TaskCompletionSource<PostAck> done)
        {
            if (Error is not null)
            {
                done.TrySetException(Error);
            }
            else
            {
                done.TrySetResult(Acknowledged!);
            }
        }
    }
}
