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
/// take its stale entries back when it starts again, or any other node once the dead node's heartbeat expired
/// (RoomPresence.Nodes.cs). Redis is not the source of truth: when it is down,
/// presence is skipped, and when it is back (empty or not) each node writes its share again from what it holds
/// (<see cref="ReconcileAsync"/>).
/// </summary>
/// <remarks>
/// A node does not send +1 and -1 but its own count for the (room, participant) with a version that grows with every
/// change on the node; Redis applies a count only if it is not older than the one it has, by the difference to
/// what the node had recorded. So writes that are late, retried, lost or repeated, and a whole share written again
/// beside live changes, all end at the node's own counts.
/// </remarks>
public sealed partial class RoomPresence
{
    // KEYS: this node's hash; ARGV: the room key's prefix, the version, then per entry room id, participant id, count.
    // Returns the rooms whose count changed.
    private const string SetShares = """
        local node, prefix, version = KEYS[1], ARGV[1], tonumber(ARGV[2])
        local changed = {}
        for i = 3, #ARGV, 3 do
          local room, participant, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
          local field = room .. '\n' .. participant
          local old = redis.call('HGET', node, field)
          local oldCount, oldVersion = 0, -1
          if old then
            local c, v = string.match(old, '^(-?%d+)|(%d+)$')
            if c then oldCount, oldVersion = tonumber(c), tonumber(v) else oldCount = tonumber(old) end
          end
          if version >= oldVersion then
            local diff = count - oldCount
            if diff ~= 0 then
              local key = prefix .. room .. ':online'
              local n = redis.call('HINCRBY', key, participant, diff)
              if n <= 0 then redis.call('HDEL', key, participant) end
              changed[#changed + 1] = room
            end
            redis.call('HSET', node, field, ARGV[i + 2] .. '|' .. ARGV[2])
          end
        end
        return changed
        """;

    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    private readonly IConnectionMultiplexer _redis;
    private readonly JamIdentity _identity;
    private readonly TimeProvider _clock;
    private readonly ILogger<RoomPresence> _log;

    public RoomPresence(
        IConnectionMultiplexer redis, JamIdentity identity, TimeProvider clock, Microsoft.Extensions.Options.IOptions<JamOptions> options,
        ILogger<RoomPresence> log)
    {
        _redis = redis;
        _identity = identity;
        _clock = clock;
        _log = log;
        _lastCheck = clock.GetTimestamp();
        _nodeTimeout = options.Value.NodeTimeout;

        // Above what an earlier process of this node wrote (unless it made a thousand changes a millisecond), in
        // case its record could not be cleared at start.
        _version = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                _reconcileNeeded = true;
            }
        };
    }

    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);

    /// <summary>This node's open connections per room and participant (field "room\nparticipant"); 0 is not kept.</summary>
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly Lock _countsLock = new();
    /// <summary>Grows with every change on this node; taken with the count it goes with.</summary>
    private long _version;

    private volatile bool _reconcileNeeded;
    private long _lastCheck;

    /// <summary>The jam as a whole, counted like a room that every connection is in from its start: who is online at all.</summary>
    public const string Jam = "*";

    public string RoomKey(string roomId) => $"jam:{_identity.JamId}:room:{roomId}:online";

    private RedisKey NodeKey => ShareKey(_identity.NodeId);

    private string RoomKeyPrefix => $"jam:{_identity.JamId}:room:";

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

        await WriteAsync(roomId, participantId, +1);
        return true;
    }

    public async Task<bool> ExitAsync(string connectionId, string participantId, string roomId)
    {
        if (!TryRemove(connectionId, roomId))
        {
            return false;
        }

        await WriteAsync(roomId, participantId, -1);
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

    /// <summary>
    /// The participant's open hub connections on all nodes, as Redis counts them; null while Redis is away or does not
    /// answer within <see cref="RedisReads.Timeout"/>.
    /// </summary>
    public async Task<long?> ConnectionsOfAsync(string participantId)
    {
        if (!_redis.IsConnected)
        {
            return null;
        }

        try
        {
            var open = await _redis.GetDatabase().HashGetAsync(RoomKey(Jam), participantId).WithinReadTimeout();
            return open.TryParse(out long count) ? count : 0;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(_log, ex);
            return null;
        }
    }

    /// <summary>Who is online in each room; 0 for every room while Redis is away or does not answer within <see cref="RedisReads.Timeout"/>.</summary>
    public async Task<Dictionary<string, long>> CountAsync(IEnumerable<string> roomIds)
    {
        var ids = roomIds.ToList();
        if (!_redis.IsConnected)
        {
            return ids.ToDictionary(id => id, _ => 0L, StringComparer.Ordinal);
        }

        try
        {
            var db = _redis.GetDatabase();
            var counts = await Task.WhenAll(ids.Select(id => db.HashLengthAsync(RoomKey(id)))).WithinReadTimeout();
            return ids.Zip(counts).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(_log, ex);
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
            await TakeBackShareAsync(_identity.NodeId, onlyIfGone: false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // When Redis is back, writing this node's share again also takes back what is left of the old one.
            _reconcileNeeded = true;
            LogRedisDown(_log, ex);
        }
    }

    /// <summary>
    /// Writes this node's share again when something may have kept Redis from holding it: the connection came back
    /// (Redis may have restarted empty), a write failed or was skipped, or this node's record is missing (looked at
    /// every 10 seconds). Called by the presence broadcaster's tick.
    /// </summary>
    public async Task ReconcileIfNeededAsync()
    {
        if (!_redis.IsConnected)
        {
            return;
        }

        if (!_reconcileNeeded && _clock.GetElapsedTime(_lastCheck) >= CheckEvery)
        {
            _lastCheck = _clock.GetTimestamp();
            bool holdsAny;
            lock (_countsLock)
            {
                holdsAny = _counts.Count > 0;
            }

            _reconcileNeeded = holdsAny && !await _redis.GetDatabase().KeyExistsAsync(NodeKey);
        }

        if (_reconcileNeeded)
        {
            _reconcileNeeded = false;
            try
            {
                await ReconcileAsync();
            }
            catch
            {
                _reconcileNeeded = true;
                throw;
            }
        }
    }

    /// <summary>Sets this node's share in Redis to the connections it holds, and takes back what it no longer holds.</summary>
    public async Task ReconcileAsync()
    {
        KeyValuePair<string, long>[] held;
        long version;
        lock (_countsLock)
        {
            held = [.. _counts];
            version = _version;
        }

        var db = _redis.GetDatabase();
        var shares = held.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        foreach (var recorded in await db.HashGetAllAsync(NodeKey))
        {
            // Recorded here but no longer held: back to 0 (unless a newer change got there first; its version wins).
            if (CountOf(recorded.Value) != 0)
            {
                shares.TryAdd(recorded.Name!, 0);
            }
        }

        var changed = 0;
        foreach (var chunk in shares.Chunk(500))
        {
            var args = new List<RedisValue>(2 + (chunk.Length * 3)) { RoomKeyPrefix, version };
            foreach (var (field, count) in chunk)
            {
                var (roomId, participantId) = SplitField(field);
                args.AddRange([roomId, participantId, count]);
            }

            foreach (var room in (RedisValue[])(await db.ScriptEvaluateAsync(SetShares, [NodeKey], [.. args]))!)
            {
                MarkDirty(room!);
                changed++;
            }
        }

        // Every room this node has members in is pushed again: other nodes' members may have missed counts meanwhile.
        foreach (var field in shares.Keys)
        {
            MarkDirty(SplitField(field).RoomId);
        }

        LogReconciled(_log, shares.Count, changed);
    }

    private async Task WriteAsync(string roomId, string participantId, int delta)
    {
        var field = $"{roomId}\n{participantId}";
        long count, version;
        lock (_countsLock)
        {
            count = _counts.GetValueOrDefault(field) + delta;
            if (count > 0)
            {
                _counts[field] = count;
            }
            else
            {
                _counts.Remove(field);
                count = 0;
            }

            version = ++_version;
        }

        try
        {
            if (!_redis.IsConnected)
            {
                // Not waiting for a timeout on every join and leave while Redis is away: it is written again when back.
                _reconcileNeeded = true;
                return;
            }

            await _redis.GetDatabase().ScriptEvaluateAsync(SetShares, [NodeKey], [RoomKeyPrefix, version, roomId, participantId, count]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _reconcileNeeded = true;
            LogRedisDown(_log, ex);
        }
        finally
        {
            // After the change, so the push that takes this mark reads the new count.
            MarkDirty(roomId);
        }
    }

    /// <summary>A share as recorded: "count|version", or a bare count as nodes before versions wrote it.</summary>
    private static long CountOf(RedisValue recorded)
    {
        var text = (string?)recorded ?? "0";
        var cut = text.IndexOf('|', StringComparison.Ordinal);
        return long.Parse(cut < 0 ? text : text[..cut], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (string RoomId, string ParticipantId) SplitField(string field)
    {
        var cut = field.IndexOf('\n', StringComparison.Ordinal);
        return (field[..cut], field[(cut + 1)..]);
    }

    [LoggerMessage(LogLevel.Information, "This node's presence was written to Redis again: {Entries} entries, {Changed} changed")]
    private static partial void LogReconciled(ILogger logger, int entries, int changed);

    [LoggerMessage(LogLevel.Warning, "Redis is unavailable; presence is not being recorded")]
    private static partial void LogRedisDown(ILogger logger, Exception ex);
}
