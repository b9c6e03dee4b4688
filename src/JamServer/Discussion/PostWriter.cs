using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Rooms;
using Marten;
using Polly.Registry;

namespace JamServer.Discussion;

/// <summary>
/// The one writer of posts on this node (see <see cref="BatchWriter{TCommand, TAck, TFact}"/>). Only committed posts
/// are handed to the <see cref="Live.RoomFanout"/>.
/// </summary>
public sealed class PostWriter(
    IDocumentStore store,
    Jams.JamState jam,
    Live.RoomFanout fanout,
    Moderation.ModerationFeed moderation,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<JamOptions> options,
    JamMetrics metrics,
    ILogger<PostWriter> log)
    : BatchWriter<WritePost.Command, PostAck, PostWritten>(pipelines, options.Value.PostBatchMax, options.Value.WriterPartitions, metrics, log)
{
    // The last sequence number of each room as this node knows it, per partition: only that partition's loop
    // touches it (a room's posts are all in one partition).
    private readonly Dictionary<string, long>[] _lastSeq =
        Enumerable.Range(0, options.Value.WriterPartitions).Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();

    protected override string Noun => "post";

    protected override string PartitionKey(WritePost.Command command) => command.RoomId;

    protected override void Forget(int partition) => _lastSeq[partition].Clear();

    /// <summary>Set when the store refused a batch for the phase: this node's copy of the jam is behind.</summary>
    private volatile bool _phaseStale;

    protected override JamException? RefusalOf(Exception ex)
    {
        if (!PhaseGuard.IsRefusal(ex))
        {
            return null;
        }

        _phaseStale = true;
        return new JamException(ErrorCodes.PhaseClosed, "The jam is closed; no more posts are taken.");
    }

    protected override Task AfterCommitAsync(int partition, IReadOnlyList<Outcome> outcomes)
    {
        var lastSeq = _lastSeq[partition];
        foreach (var written in outcomes.Select(o => o.Fact).OfType<PostWritten>())
        {
            lastSeq[written.RoomId] = Math.Max(lastSeq.GetValueOrDefault(written.RoomId), written.Seq);
            fanout.Publish(written);
            moderation.Observe(written);
        }

        return Task.CompletedTask;
    }

    protected override async Task<Outcome[]> CommitAsync(int partition, IReadOnlyList<WritePost.Command> batch, CancellationToken ct)
    {
        var commands = batch;
        await using var session = store.LightweightSession();

        var keys = commands.Select(c => c.IdempotencyKey).Distinct().ToList();
        var earlier = (await session.Query<PostView>().Where(p => p.IdempotencyKey.IsOneOf(keys)).ToListAsync(ct))
            .ToDictionary(p => p.IdempotencyKey, StringComparer.Ordinal);

        var parentIds = commands.Where(c => c.ParentId is not null).Select(c => c.ParentId!).Distinct().ToArray();
        var parents = parentIds.Length == 0
            ? new Dictionary<string, PostView>()
            : (await session.LoadManyAsync<PostView>(ct, parentIds)).ToDictionary(p => p.Id, StringComparer.Ordinal);

        var rooms = await LoadRoomsAsync(session, commands, _lastSeq[partition], ct);
        var nextSeq = rooms.Values.ToDictionary(r => r.Id, r => r.LastSeq, StringComparer.Ordinal);
        var phase = jam.Current.Phase;
        if (_phaseStale)
        {
            _phaseStale = false;
            phase = (await jam.RefreshAsync(ct)).Phase;
        }
        var now = clock.GetUtcNow();

        var outcomes = new Outcome[commands.Count];
        var firstOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var appends = new Dictionary<string, List<PostWritten>>(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            if (earlier.TryGetValue(command.IdempotencyKey, out var stored))
            {
                outcomes[i] = new Outcome(new PostAck(stored.Id, stored.Seq), null, null);
                continue;
            }

            if (firstOfKey.TryGetValue(command.IdempotencyKey, out var first))
            {
                // The same post sent twice in one batch: the same answer, broadcast once.
                outcomes[i] = outcomes[first] with { Fact = null };
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
                outcomes[i] = new Outcome(new PostAck(written.PostId, written.Seq), written, null);
            }
            catch (JamException rejected)
            {
                outcomes[i] = new Outcome(null, null, rejected);
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

    private static async Task<Dictionary<string, RoomView>> LoadRoomsAsync(
        IQuerySession session, IReadOnlyList<WritePost.Command> commands, Dictionary<string, long> lastSeq, CancellationToken ct)
    {
        var roomIds = commands.Select(c => c.RoomId).Distinct().ToArray();
        var unknown = roomIds.Where(id => !lastSeq.ContainsKey(id)).ToArray();
        var rooms = new Dictionary<string, RoomView>(StringComparer.Ordinal);
        if (unknown.Length > 0)
        {
            foreach (var room in await session.LoadManyAsync<RoomView>(ct, unknown))
            {
                rooms[room.Id] = room;
                lastSeq[room.Id] = room.LastSeq;
            }
        }

        foreach (var id in roomIds.Where(id => !rooms.ContainsKey(id) && lastSeq.ContainsKey(id)))
        {
            rooms[id] = new RoomView { Id = id, LastSeq = lastSeq[id] };
        }

        return rooms;
    }

    private static string NewPostId() => Guid.CreateVersion7().ToString("N");
}
