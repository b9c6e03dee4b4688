using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using JamServer.Discussion;
using JamServer.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JamServer.Live;

/// <summary>
/// Pushes committed posts to the members of their room, apart from the writer so that a slow push never delays an
/// acknowledgement. Posts are gathered for one tick (<see cref="JamOptions.FanoutTickMs"/>) and each room's posts
/// of the tick are serialized once per protocol and written to each member as one frame of ordinary PostAdded
/// messages. Delivery to this node's members stays on this node; other nodes get the tick's posts in one Redis
/// publish and deliver them to their own members.
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
    private readonly LocalConnections _connections;
    private readonly IConnectionMultiplexer _redis;
    private readonly JamIdentity _identity;
    private readonly JamOptions _options;
    private readonly ILogger<RoomFanout> _log;

    public RoomFanout(
        LocalConnections connections, IConnectionMultiplexer redis, JamIdentity identity, IOptions<JamOptions> options,
        ILogger<RoomFanout> log)
    {
        _connections = connections;
        _redis = redis;
        _identity = identity;
        _options = options.Value;
        _log = log;
        connections.Closed += LeaveAll;
    }

    private RedisChannel PostsChannel => RedisChannel.Literal($"jam:{_identity.JamId}:posts");

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
        if (!_queue.Writer.TryWrite(new Outgoing(PostDto.From(written), FromHere: true)))
        {
            LogDropped(_log, written.RoomId, written.Seq);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribing = _options.RedisBackplane ? SubscribeToOtherNodesAsync(stoppingToken) : Task.CompletedTask;
        var tick = TimeSpan.FromMilliseconds(_options.FanoutTickMs);
        var batch = new List<Outgoing>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                if (tick > TimeSpan.Zero)
                {
                    await Task.Delay(tick, stoppingToken);
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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await subscribing;
    }

    private void Deliver(List<Outgoing> batch)
    {
        foreach (var room in batch.GroupBy(o => o.Post.RoomId, StringComparer.Ordinal))
        {
            if (!_rooms.TryGetValue(room.Key, out var members) || members.IsEmpty)
            {
                continue;
            }

            var messages = room.Select(o => (HubMessage)new InvocationMessage(nameof(IJamClient.PostAdded), [o.Post])).ToList();
            var serialized = new SerializedHubMessage(messages.Count == 1 ? messages[0] : new BatchMessage(messages));
            foreach (var member in members.Values)
            {
                Write(member, serialized);
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
        if (!_options.RedisBackplane)
        {
            return;
        }

        var ours = batch.Where(o => o.FromHere).Select(o => o.Post).ToArray();
        if (ours.Length == 0)
        {
            return;
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(new NodePosts(_identity.NodeId, ours));
        _redis.GetSubscriber().Publish(PostsChannel, payload, CommandFlags.FireAndForget);
    }

    /// <summary>Until it succeeds: without it this node would never hear other nodes' posts.</summary>
    private async Task SubscribeToOtherNodesAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromMilliseconds(250); !stoppingToken.IsCancellationRequested; delay = Min(delay * 2, TimeSpan.FromSeconds(10)))
        {
            try
            {
                // The queue form keeps other nodes' messages in the order they were published.
                var channel = await _redis.GetSubscriber().SubscribeAsync(PostsChannel);
                channel.OnMessage(message => Receive((byte[])message.Message!));
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogSubscribeFailed(_log, ex);
                await _redis.GetSubscriber().UnsubscribeAsync(PostsChannel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Receive(byte[] payload)
    {
        var posts = JsonSerializer.Deserialize<NodePosts>(payload);
        if (posts is null || posts.Node == _identity.NodeId)
        {
            return;
        }

        foreach (var post in posts.Posts)
        {
            if (!_queue.Writer.TryWrite(new Outgoing(post, FromHere: false)))
            {
                LogDropped(_log, post.RoomId, post.Seq);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void LeaveAll(string connectionId)
    {
        foreach (var members in _rooms.Values)
        {
            members.TryRemove(connectionId, out _);
        }
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

    private sealed record Outgoing(PostDto Post, bool FromHere);

    private sealed record NodePosts(string Node, PostDto[] Posts);
}
