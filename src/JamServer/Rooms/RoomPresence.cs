using JamServer.Identity;
using System.Collections.Concurrent;
using JamServer.Infrastructure;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace JamServer.Rooms;

[MessagePackObject]
public sealed record PresenceDto([property: Key("roomId")] string RoomId, [property: Key("online")] long Online);

/// <summary>
/// Who is online in each room, kept in Redis: per room a hash of participant id → open connections in it, so
/// a participant with two tabs counts once. Each node also records its own share, so that a node that died can
/// take its stale entries back when it starts again. Redis is not the source of truth: when it is down,
/// presence is skipped and logged, and nothing else fails.
/// </summary>
public sealed partial class RoomPresence(IConnectionMultiplexer redis, JamIdentity identity, ILogger<RoomPresence> log)
{
    private const string RoomsItem = "jam.rooms";

    // KEYS: room hash, node hash; ARGV: participant id, node field, delta
    private static readonly LuaScript Change = LuaScript.Prepare("""
        local n = redis.call('HINCRBY', @room, @participant, @delta)
        if n <= 0 then redis.call('HDEL', @room, @participant) end
        local m = redis.call('HINCRBY', @node, @field, @delta)
        if m <= 0 then redis.call('HDEL', @node, @field) end
        return n
        """);

    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);

    public string RoomKey(string roomId) => $"jam:{identity.JamId}:room:{roomId}:online";

    private RedisKey NodeKey => $"jam:{identity.JamId}:node:{identity.NodeId}:presence";

    /// <summary>A snapshot of the rooms the connection is in.</summary>
    public static IReadOnlySet<string> RoomsOf(HubCallerContext context)
    {
        var rooms = Rooms(context);
        lock (rooms)
        {
            return rooms.ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Records that the connection is in the room; false when it already was.</summary>
    public async Task<bool> EnterAsync(HubCallerContext context, string roomId)
    {
        var rooms = Rooms(context);
        lock (rooms)
        {
            if (!rooms.Add(roomId))
            {
                return false;
            }
        }

        await ChangeAsync(roomId, context.User!.ParticipantId(), +1);
        return true;
    }

    public async Task<bool> ExitAsync(HubCallerContext context, string roomId)
    {
        var rooms = Rooms(context);
        lock (rooms)
        {
            if (!rooms.Remove(roomId))
            {
                return false;
            }
        }

        await ChangeAsync(roomId, context.User!.ParticipantId(), -1);
        return true;
    }

    public async Task LeaveAllAsync(HubCallerContext context)
    {
        foreach (var roomId in RoomsOf(context))
        {
            await ExitAsync(context, roomId);
        }
    }

    // A JoinRoom still running can meet the connection's OnDisconnectedAsync, hence the lock on the set.
    private static HashSet<string> Rooms(HubCallerContext context)
    {
        lock (context.Items)
        {
            if (!context.Items.TryGetValue(RoomsItem, out var rooms))
            {
                context.Items[RoomsItem] = rooms = new HashSet<string>(StringComparer.Ordinal);
            }

            return (HashSet<string>)rooms!;
        }
    }

    public async Task<Dictionary<string, long>> CountAsync(IEnumerable<string> roomIds)
    {
        var ids = roomIds.ToList();
        try
        {
            var db = redis.GetDatabase();
            var counts = await Task.WhenAll(ids.Select(id => db.HashLengthAsync(RoomKey(id))));
            return ids.Zip(counts).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(log, ex);
            return ids.ToDictionary(id => id, _ => 0L, StringComparer.Ordinal);
        }
    }

    public void MarkDirty(string roomId) => _dirty[roomId] = 0;

    /// <summary>Rooms whose count changed since the last call.</summary>
    public IReadOnlyList<string> TakeDirty()
    {
        var rooms = _dirty.Keys.ToList();
        foreach (var room in rooms)
        {
            _dirty.TryRemove(room, out _);
        }

        return rooms;
    }

    /// <summary>Takes back what this node had recorded before it last stopped (or died).</summary>
    public async Task ClearStaleAsync()
    {
        try
        {
            var db = redis.GetDatabase();
            foreach (var entry in await db.HashGetAllAsync(NodeKey))
            {
                var (roomId, participantId) = SplitField(entry.Name!);
                var left = await db.HashIncrementAsync(RoomKey(roomId), participantId, -(long)entry.Value);
                if (left <= 0)
                {
                    await db.HashDeleteAsync(RoomKey(roomId), participantId);
                }
            }

            await db.KeyDeleteAsync(NodeKey);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(log, ex);
        }
    }

    private async Task ChangeAsync(string roomId, string participantId, int delta)
    {
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(Change, new
            {
                room = (RedisKey)RoomKey(roomId),
                node = NodeKey,
                participant = participantId,
                field = $"{roomId}\n{participantId}",
                delta,
            });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(log, ex);
        }
        finally
        {
            // After the change, so the push that takes this mark reads the new count.
            MarkDirty(roomId);
        }
    }

    private static (string RoomId, string ParticipantId) SplitField(string field)
    {
        var cut = field.IndexOf('\n', StringComparison.Ordinal);
        return (field[..cut], field[(cut + 1)..]);
    }

    [LoggerMessage(LogLevel.Warning, "Redis is unavailable; presence is not being recorded")]
    private static partial void LogRedisDown(ILogger logger, Exception ex);
}
