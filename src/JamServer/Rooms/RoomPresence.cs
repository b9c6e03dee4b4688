using JamServer.Identity;
using System.Collections.Concurrent;
using JamServer.Infrastructure;
using MessagePack;
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
    // KEYS: room hash, node hash; ARGV: participant id, node field, delta
    private static readonly LuaScript Change = LuaScript.Prepare("""
        local n = redis.call('HINCRBY', @room, @participant, @delta)
        if n <= 0 then redis.call('HDEL', @room, @participant) end
        local m = redis.call('HINCRBY', @node, @field, @delta)
        if m <= 0 then redis.call('HDEL', @node, @field) end
        return n
        """);

    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);

    /// <summary>The jam as a whole, counted like a room that every connection is in from its start: who is online at all.</summary>
    public const string Jam = "*";

    public string RoomKey(string roomId) => $"jam:{identity.JamId}:room:{roomId}:online";

    private RedisKey NodeKey => $"jam:{identity.JamId}:node:{identity.NodeId}:presence";

    /// <summary>
    /// The rooms each connection of this node is in, replaced whole on each change (a connection is in one room or a
    /// few, so a small array is the leanest thing to hold for hours); an entry goes when its last room does.
    /// </summary>
    private readonly ConcurrentDictionary<string, string[]> _roomsByConnection = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> RoomsOf(string connectionId) =>
        _roomsByConnection.TryGetValue(connectionId, out var rooms) ? rooms : [];

    /// <summary>The rooms the connection joined, not counting <see cref="Jam"/>.</summary>
    public int JoinedCount(string connectionId) => RoomsOf(connectionId).Count(r => r != Jam);

    /// <summary>Records that the connection is in the room; false when it already was.</summary>
    public async Task<bool> EnterAsync(string connectionId, string participantId, string roomId)
    {
        if (!TryAdd(connectionId, roomId))
        {
            return false;
        }

        await ChangeAsync(roomId, participantId, +1);
        return true;
    }

    public async Task<bool> ExitAsync(string connectionId, string participantId, string roomId)
    {
        if (!TryRemove(connectionId, roomId))
        {
            return false;
        }

        await ChangeAsync(roomId, participantId, -1);
        return true;
    }

    public async Task LeaveAllAsync(string connectionId, string participantId)
    {
        foreach (var roomId in RoomsOf(connectionId))
        {
            await ExitAsync(connectionId, participantId, roomId);
        }
    }

    // A JoinRoom still running can meet the connection's OnDisconnectedAsync: each change is a compare-and-swap.
    private bool TryAdd(string connectionId, string roomId)
    {
        while (true)
        {
            if (!_roomsByConnection.TryGetValue(connectionId, out var rooms))
            {
                if (_roomsByConnection.TryAdd(connectionId, [roomId]))
                {
                    return true;
                }
            }
            else if (rooms.Contains(roomId, StringComparer.Ordinal))
            {
                return false;
            }
            else if (_roomsByConnection.TryUpdate(connectionId, [.. rooms, roomId], rooms))
            {
                return true;
            }
        }
    }

    private bool TryRemove(string connectionId, string roomId)
    {
        while (true)
        {
            if (!_roomsByConnection.TryGetValue(connectionId, out var rooms) || !rooms.Contains(roomId, StringComparer.Ordinal))
            {
                return false;
            }

            var removed = rooms.Length == 1
                ? _roomsByConnection.TryRemove(KeyValuePair.Create(connectionId, rooms))
                : _roomsByConnection.TryUpdate(connectionId, rooms.Where(r => r != roomId).ToArray(), rooms);
            if (removed)
            {
                return true;
            }
        }
    }

    /// <summary>The participant's open hub connections on all nodes, as Redis counts them; null while Redis is away.</summary>
    public async Task<long?> ConnectionsOfAsync(string participantId)
    {
        try
        {
            var open = await redis.GetDatabase().HashGetAsync(RoomKey(Jam), participantId);
            return open.TryParse(out long count) ? count : 0;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(log, ex);
            return null;
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

    /// <summary>Rooms whose count changed since the last call (the jam as a whole is nobody's room: not listed).</summary>
    public IReadOnlyList<string> TakeDirty()
    {
        _dirty.TryRemove(Jam, out _);
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
