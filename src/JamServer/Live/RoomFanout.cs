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
            _rooms.GetOrAdd(roomId, _ => new(StringComparer.Ordinal))[connectionId] = connection;
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
        if (_options.RedisBackplane)
        {
            await SubscribeToOtherNodesAsync();
        }

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

                Deliver(batch);
                PublishToOtherNodes(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
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
                // Not awaited: a slow member's writes queue in order behind its own write lock (first come, first
                // served), and nobody else waits for it. SignalR closes a member whose writes fail.
                var write = member.WriteAsync(serialized);
                if (!write.IsCompletedSuccessfully)
                {
                    _ = ObserveAsync(write, member.ConnectionId);
                }
            }
        }
    }

    private async Task ObserveAsync(ValueTask write, string connectionId)
    {
        try
        {
            await write;
        }
        catch (Exception ex)
        {
            LogWriteFailed(_log, ex, connectionId);
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

    private async Task SubscribeToOtherNodesAsync()
    {
        try
        {
            // The queue form keeps other nodes' messages in the order they were published.
            var channel = await _redis.GetSubscriber().SubscribeAsync(PostsChannel);
            channel.OnMessage(message =>
            {
                var posts = JsonSerializer.Deserialize<NodePosts>((byte[])message.Message!);
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
            });
        }
        catch (RedisException ex)
        {
            // The multiplexer restores subscriptions when Redis comes back.
            LogSubscribeFailed(_log, ex);
        }
    }

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

    [LoggerMessage(LogLevel.Warning, "Could not subscribe to other nodes' posts yet")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception ex);

    private sealed record Outgoing(PostDto Post, bool FromHere);

    private sealed record NodePosts(string Node, PostDto[] Posts);
}
