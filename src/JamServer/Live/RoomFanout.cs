using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Rooms;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JamServer.Live;

/// <summary>
/// Pushes committed posts to the members of their room, apart from the writer so that a slow push never delays an
/// acknowledgement. Posts that come faster than one per tick (<see cref="JamOptions.FanoutTickMs"/>) are gathered
/// for the rest of the tick, and each room's posts of the tick are serialized once per protocol and written to each
/// member as one frame of ordinary PostAdded messages; a post after a quiet tick goes at once. Delivery to this node's members stays on this node; other nodes get the tick's posts in one Redis
/// publish and deliver them to their own members. Presence counts and phase changes travel the same way, so no
/// message between nodes needs SignalR's backplane (and its Redis channel per connection).
/// </summary>
public sealed partial class RoomFanout : BackgroundService
{
    private const int Capacity = 50_000;

    /// <summary>Ticks a member may fall behind (about 5 s at 25 ms) before it is disconnected to catch up by JoinRoom.</summary>
    private const int MaxPendingWrites = 200;

    private readonly ConcurrentDictionary<string, int> _pendingWrites = new(StringComparer.Ordinal);

    private readonly Channel<Outgoing> _queue = Channel.CreateBounded<Outgoing>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubConnectionContext>> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HubConnectionContext> _moderators = new(StringComparer.Ordinal);
    private readonly LocalConnections _connections;
    private readonly IConnectionMultiplexer _redis;
    private readonly JamIdentity _identity;
    private readonly JamOptions _options;
    private readonly JamState _jam;
    private readonly TimeProvider _clock;
    private readonly JamMetrics _metrics;
    private readonly ILogger<RoomFanout> _log;

    public RoomFanout(
        LocalConnections connections, IConnectionMultiplexer redis, JamIdentity identity, IOptions<JamOptions> options,
        JamState jam, TimeProvider clock, JamMetrics metrics, ILogger<RoomFanout> log)
    {
        _metrics = metrics;
        _connections = connections;
        _redis = redis;
        _identity = identity;
        _options = options.Value;
        _jam = jam;
        _clock = clock;
        _log = log;
        connections.Closed += LeaveAll;
    }

    /// <summary>A post committed on another node, as it arrives here (before its push to this node's members).</summary>
    public event Action<PostDto, PostReading>? OtherNodesPost;

    private RedisChannel NodesChannel => RedisChannel.Literal($"jam:{_identity.JamId}:nodes");

    /// <summary>From now on the connection gets every post of the room pushed to it.</summary>
    public void Join(string connectionId, string roomId)
    {
        if (_connections.TryGet(connectionId, out var connection))
        {
            var members = _rooms.GetOrAdd(roomId, _ => new(StringComparer.Ordinal));
            members[connectionId] = connection;
            if (!_connections.TryGet(connectionId, out _))
            {
                // It closed meanwhile, after LeaveAll ran: take it out again.
                members.TryRemove(connectionId, out _);
            }
        }
    }

    public void Leave(string connectionId, string roomId)
    {
        if (_rooms.TryGetValue(roomId, out var members))
        {
            members.TryRemove(connectionId, out _);
        }
    }

    /// <summary>Never waits: with the queue full, the post is left to catch-up (TryWrite is false in Wait mode).</summary>
    public void Publish(PostWritten written)
    {
        // Handed over right after its commit: from here on, jam.post.delivery.duration.
        var committed = Stopwatch.GetTimestamp();
        if (!_queue.Writer.TryWrite(Outgoing.Of(PostDto.From(written), new PostReading(written.Language, written.Sentiment), fromHere: true, committed)))
        {
            LogDropped(_log, written.RoomId, written.Seq);
        }
    }

    /// <summary>Set once the queue is closed for good and its last tick went out (delivered and published).</summary>
    private readonly TaskCompletionSource _flushed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile bool _stopping;

    /// <summary>
    /// Sends what is queued before stopping: the post writer, which stops just before, hands its last committed posts
    /// here, and the other nodes' readers get them only from this node's publish.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        await _flushed.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribing = SubscribeToOtherNodesAsync(stoppingToken);
        var phases = PushPhaseChangesAsync(stoppingToken);
        var tick = TimeSpan.FromMilliseconds(_options.FanoutTickMs);
        var batch = new List<Outgoing>();
        var lastSent = 0L;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // A post after a quiet tick goes at once; while posts come faster, they gather until a tick has passed
                // since the last send, so a busy room still gets one frame per tick.
                var sinceLast = Stopwatch.GetElapsedTime(lastSent);
                if (sinceLast < tick)
                {
                    await Task.Delay(tick - sinceLast, stoppingToken);
                }

                while (batch.Count < Capacity && _queue.Reader.TryRead(out var outgoing))
                {
                    batch.Add(outgoing);
                }

                try
                {
                    Deliver(batch);
                    PublishToOtherNodes(batch);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogTickFailed(_log, ex, batch.Count);
                }

                batch.Clear();
                lastSent = Stopwatch.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _flushed.TrySetResult();
        await subscribing;
        await phases;
    }

    private void Deliver(List<Outgoing> batch)
    {
        foreach (var room in batch.GroupBy(o => o.RoomId, StringComparer.Ordinal))
        {
            if (!_rooms.TryGetValue(room.Key, out var members) || members.IsEmpty)
            {
                continue;
            }

            var messages = room.Select(o => o.Post is { } post
                    ? (HubMessage)new InvocationMessage(nameof(IJamClient.PostAdded), [post])
                    : new InvocationMessage(o.Notice!.Method, [o.Notice.Argument]))
                .ToList();
            var serialized = new SerializedHubMessage(messages.Count == 1 ? messages[0] : new BatchMessage(messages));
            foreach (var member in members.Values)
            {
                Write(member, serialized);
            }

            // Per post and node, not per member: the frame is now queued on every member's connection.
            var written = Stopwatch.GetTimestamp();
            foreach (var outgoing in room)
            {
                if (outgoing.Post is not null)
                {
                    _metrics.PostDelivered(Stopwatch.GetElapsedTime(outgoing.Committed, written), outgoing.FromHere);
                }
            }
        }
    }

    /// <summary>One message to every connection on this node, serialized once per protocol.</summary>
    public void PushToEveryone(string method, object argument)
    {
        var serialized = new SerializedHubMessage(new InvocationMessage(method, [argument]));
        foreach (var connection in _connections.All)
        {
            Write(connection, serialized);
        }
    }

    /// <summary>
    /// One message to the members of a room on every node (a post hidden or restored), in line with the room's posts,
    /// so that it never overtakes the post it is about.
    /// </summary>
    public void PushToRoom(string roomId, string method, object argument)
    {
        if (!_queue.Writer.TryWrite(Outgoing.Of(RoomNotice.Of(roomId, method, argument), fromHere: true)))
        {
            LogNoticeDropped(_log, method, roomId);
        }
    }

    /// <summary>From now on the connection gets what is pushed to moderators.</summary>
    public void WatchModeration(string connectionId)
    {
        if (_connections.TryGet(connectionId, out var connection))
        {
            _moderators[connectionId] = connection;
            if (!_connections.TryGet(connectionId, out _))
            {
                _moderators.TryRemove(connectionId, out _);
            }
        }
    }

    public bool HasModeratorsHere => !_moderators.IsEmpty;

    /// <summary>One message to the moderators on this node only: what every node works out for itself.</summary>
    public void PushToModeratorsHere(string method, object argument)
    {
        if (_moderators.IsEmpty)
        {
            return;
        }

        var serialized = new SerializedHubMessage(new InvocationMessage(method, [argument]));
        foreach (var moderator in _moderators.Values)
        {
            Write(moderator, serialized);
        }
    }

    /// <summary>One message to the moderators on every node (a flag raised).</summary>
    public void PushToModerators(string method, object argument)
    {
        var notice = ModeratorNotice.Of(method, argument);
        PushToModeratorsHere(method, argument);
        _ = PublishTimedAsync(new NodeMessage(_identity.NodeId, Moderators: notice));
    }

    /// <summary>Rooms' online counts to their members on every node.</summary>
    public void PushPresence(IReadOnlyList<PresenceDto> counts)
    {
        PushPresenceHere(counts);
        _ = PublishTimedAsync(new NodeMessage(_identity.NodeId, Presence: [.. counts]));
    }

    /// <summary>A committed phase change to every connection on every node; other nodes also reload the jam.</summary>
    public async Task PushPhaseAsync(JamDto jam)
    {
        PushToEveryone(nameof(IJamClient.PhaseChanged), jam);
        if (!_redis.IsConnected)
        {
            // Not waiting for the Redis client's timeout: other nodes take the change from their phase clock's poll.
            LogPhaseNotPublished(_log, jam.Phase);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await _redis.GetSubscriber().PublishAsync(NodesChannel, Serialize(new NodeMessage(_identity.NodeId, Phase: jam)));
        _metrics.BackplanePublished(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Not awaited by the caller (the fan-out never waits for Redis); timed until Redis answered. Messages still go in
    /// the order they were published: the multiplexer writes them in order on its one connection.
    /// </summary>
    private async Task PublishTimedAsync(NodeMessage message)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _redis.GetSubscriber().PublishAsync(NodesChannel, Serialize(message));
            _metrics.BackplanePublished(Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            // Redis away: other nodes catch up by JoinRoom and their phase clock's poll; the Redis client logs the outage.
            LogPublishFailed(_log, ex);
        }
    }

    private void PushPresenceHere(IEnumerable<PresenceDto> counts)
    {
        foreach (var count in counts)
        {
            if (_rooms.TryGetValue(count.RoomId, out var members) && !members.IsEmpty)
            {
                var serialized = new SerializedHubMessage(new InvocationMessage(nameof(IJamClient.PresenceChanged), [count]));
                foreach (var member in members.Values)
                {
                    Write(member, serialized);
                }
            }
        }
    }

    private void Write(HubConnectionContext member, SerializedHubMessage serialized)
    {
        // Not awaited: a slow member's writes queue in order behind its own write lock (first come, first
        // served), and nobody else waits for it. One that falls too far behind is disconnected.
        var write = member.WriteAsync(serialized);
        if (!write.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(write, member);
        }
    }

    private async Task ObserveAsync(ValueTask write, HubConnectionContext member)
    {
        if (_pendingWrites.AddOrUpdate(member.ConnectionId, 1, (_, n) => n + 1) > MaxPendingWrites)
        {
            LogTooSlow(_log, member.ConnectionId);
            member.Abort();
        }

        try
        {
            await write;
        }
        catch (Exception ex)
        {
            LogWriteFailed(_log, ex, member.ConnectionId);
        }
        finally
        {
            if (_pendingWrites.AddOrUpdate(member.ConnectionId, 0, (_, n) => n - 1) <= 0)
            {
                _pendingWrites.TryRemove(KeyValuePair.Create(member.ConnectionId, 0));
            }
        }
    }

    private void PublishToOtherNodes(List<Outgoing> batch)
    {
        var posts = batch.Where(o => o is { FromHere: true, Post: not null }).ToArray();
        var notices = batch.Where(o => o is { FromHere: true, Notice: not null }).Select(o => o.Notice!).ToArray();
        if (posts.Length > 0 || notices.Length > 0)
        {
            var now = Stopwatch.GetTimestamp();
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var message = new NodeMessage(
                _identity.NodeId,
                Posts: posts.Length == 0 ? null : posts.Select(o => o.Post!).ToArray(),
                Readings: posts.Length == 0 ? null : posts.Select(o => o.Reading!).ToArray(),
                Notices: notices.Length == 0 ? null : notices,
                CommittedAt: posts.Length == 0 ? null : posts.Select(o => nowMs - (long)Stopwatch.GetElapsedTime(o.Committed, now).TotalMilliseconds).ToArray());
            _ = PublishTimedAsync(message);
        }
    }

    private static byte[] Serialize(NodeMessage message) => JsonSerializer.SerializeToUtf8Bytes(message);

    /// <summary>Until it succeeds: without it this node would never hear other nodes' posts.</summary>
    private async Task SubscribeToOtherNodesAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromMilliseconds(250); !stoppingToken.IsCancellationRequested; delay = Min(delay * 2, TimeSpan.FromSeconds(10)))
        {
            try
            {
                // The queue form keeps other nodes' messages in the order they were published.
                var channel = await _redis.GetSubscriber().SubscribeAsync(NodesChannel);
                channel.OnMessage(message => Receive((byte[])message.Message!));
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(_log, ex);
                await _redis.GetSubscriber().UnsubscribeAsync(NodesChannel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Receive(byte[] payload)
    {
        var message = JsonSerializer.Deserialize<NodeMessage>(payload);
        if (message is null || message.Node == _identity.NodeId)
        {
            return;
        }

        var posts = message.Posts ?? [];
        var received = Stopwatch.GetTimestamp();
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < posts.Length; i++)
        {
            var post = posts[i];
            var reading = message.Readings is { } readings && i < readings.Length ? readings[i] : PostReading.None;
            // The other node's commit, by the wall clocks of both nodes: their skew counts in the latency.
            var committed = message.CommittedAt is { } times && i < times.Length
                ? received - (long)(Math.Max(0, nowMs - times[i]) * (Stopwatch.Frequency / 1000.0))
                : received;
            if (!_queue.Writer.TryWrite(Outgoing.Of(post, reading, fromHere: false, committed)) && !_stopping)
            {
                LogDropped(_log, post.RoomId, post.Seq);
            }

            OtherNodesPost?.Invoke(post, reading);
        }

        // After the message's posts: a notice about one of them comes after it.
        foreach (var notice in message.Notices ?? [])
        {
            if (!_queue.Writer.TryWrite(Outgoing.Of(notice, fromHere: false)) && !_stopping)
            {
                LogNoticeDropped(_log, notice.Method, notice.RoomId);
            }
        }

        PushPresenceHere(message.Presence ?? []);
        if (message.Moderators is { } moderators)
        {
            PushToModeratorsHere(moderators.Method, moderators.Argument);
        }

        if (message.Phase is { } phase)
        {
            _phaseChanges.Writer.TryWrite(phase);
        }
    }

    /// <summary>Other nodes' phase changes, one at a time, so two quick ones reach clients in their order.</summary>
    private readonly Channel<JamDto> _phaseChanges = Channel.CreateUnbounded<JamDto>(new UnboundedChannelOptions { SingleReader = true });

    private async Task PushPhaseChangesAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var phase in _phaseChanges.Reader.ReadAllAsync(stoppingToken))
            {
                await ReloadJamThenPushAsync(phase);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// This node's decisions read its copy of the jam: reload it before telling clients, so that a client that
    /// heard of a change is not then answered by the old phase.
    /// </summary>
    private async Task ReloadJamThenPushAsync(JamDto phase)
    {
        try
        {
            // As this node now holds it, with this node's clock.
            phase = JamDto.From(await _jam.RefreshAsync(CancellationToken.None), _clock.GetUtcNow());
        }
        catch (Exception ex)
        {
            LogReloadFailed(_log, ex);
        }

        try
        {
            PushToEveryone(nameof(IJamClient.PhaseChanged), phase);
        }
        catch (Exception ex)
        {
            LogPhasePushFailed(_log, ex);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void LeaveAll(string connectionId)
    {
        foreach (var members in _rooms.Values)
        {
            members.TryRemove(connectionId, out _);
        }

        _moderators.TryRemove(connectionId, out _);
    }

    [LoggerMessage(LogLevel.Warning, "The fan-out queue is full; post {RoomId}#{Seq} reaches members by catch-up only")]
    private static partial void LogDropped(ILogger logger, string roomId, long seq);

    [LoggerMessage(LogLevel.Debug, "A push to connection {ConnectionId} failed; SignalR closes it")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, string connectionId);

    [LoggerMessage(LogLevel.Warning, "Connection {ConnectionId} fell too far behind the room fan-out; disconnecting it")]
    private static partial void LogTooSlow(ILogger logger, string connectionId);

    [LoggerMessage(LogLevel.Error, "A fan-out tick of {Count} posts failed; they reach members by catch-up")]
    private static partial void LogTickFailed(ILogger logger, Exception ex, int count);

    [LoggerMessage(LogLevel.Warning, "Could not subscribe to other nodes' posts yet; retrying")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception ex);

    /// <summary>
    /// A post, or a notice about one, for a room's members; <see cref="FromHere"/> when this node made it;
    /// <see cref="Committed"/>: the post's commit as a <see cref="Stopwatch"/> timestamp of this node.
    /// </summary>
    private sealed record Outgoing(string RoomId, PostDto? Post, PostReading? Reading, RoomNotice? Notice, bool FromHere, long Committed)
    {
        public static Outgoing Of(PostDto post, PostReading reading, bool fromHere, long committed) =>
            new(post.RoomId, post, reading, null, fromHere, committed);

        public static Outgoing Of(RoomNotice notice, bool fromHere) => new(notice.RoomId, null, null, notice, fromHere, 0);
    }

    [LoggerMessage(LogLevel.Debug, "A message to the other nodes was not published")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "The fan-out queue is full; {Method} for room {RoomId} is not pushed (readers see it on their next read)")]
    private static partial void LogNoticeDropped(ILogger logger, string method, string roomId);

    [LoggerMessage(LogLevel.Warning, "Redis is unavailable; the change to {Phase} reaches other nodes by their phase clock's poll")]
    private static partial void LogPhaseNotPublished(ILogger logger, string phase);

    [LoggerMessage(LogLevel.Warning, "Another node's phase change could not be pushed to this node's clients")]
    private static partial void LogPhasePushFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "Could not reload the jam after another node changed its phase; the phase clock's poll will")]
    private static partial void LogReloadFailed(ILogger logger, Exception ex);

    /// <summary>
    /// What one node tells the others on the jam's channel: a tick's posts (with when each was committed, Unix
    /// milliseconds), presence counts, a phase change, or a moderation notice for a room's members or for the moderators.
    /// </summary>
    private sealed record NodeMessage(
        string Node, PostDto[]? Posts = null, PresenceDto[]? Presence = null, JamDto? Phase = null,
        ModeratorNotice? Moderators = null, PostReading[]? Readings = null, RoomNotice[]? Notices = null,
        long[]? CommittedAt = null);
}
