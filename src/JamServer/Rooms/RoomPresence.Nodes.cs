using StackExchange.Redis;

namespace JamServer.Rooms;

/// <summary>
/// Node liveness: each node keeps a heartbeat key in Redis that expires after <see cref="Infrastructure.JamOptions.NodeTimeout"/>
/// and is written again every third of it, and lists itself among the nodes holding a share of presence. Any node
/// takes back the share of a listed node whose heartbeat expired: a pod that died does not come back under its name.
/// </summary>
public sealed partial class RoomPresence
{
    // KEYS: the node's share, its heartbeat, the list of nodes; ARGV: the room key's prefix, the node id, "1" to take the
    // share back only if the heartbeat is gone. One script, so the check and the take-back cannot be split by a beat,
    // and a second run (another node, a restart) finds nothing left to take. Returns the rooms whose count changed.
    private const string TakeBackShare = """
        local share, alive, nodes = KEYS[1], KEYS[2], KEYS[3]
        local prefix, node = ARGV[1], ARGV[2]
        if ARGV[3] == '1' and redis.call('EXISTS', alive) == 1 then return {} end
        local changed = {}
        local entries = redis.call('HGETALL', share)
        for i = 1, #entries, 2 do
          local field, count = entries[i], tonumber(string.match(entries[i + 1], '^(-?%d+)')) or 0
          if count ~= 0 then
            local cut = string.find(field, '\n', 1, true)
            local room, participant = string.sub(field, 1, cut - 1), string.sub(field, cut + 1)
            local key = prefix .. room .. ':online'
            local n = redis.call('HINCRBY', key, participant, -count)
            if n <= 0 then redis.call('HDEL', key, participant) end
            changed[#changed + 1] = room
          end
        end
        redis.call('DEL', share)
        redis.call('SREM', nodes, node)
        return changed
        """;

    // KEYS: the heartbeat, the list of nodes; ARGV: the node id, the time to live in ms. Returns 1 if the heartbeat was
    // still there (0: it lapsed, and another node may have taken this node's share back).
    private const string Beat = """
        local existed = redis.call('EXISTS', KEYS[1])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[1])
        return existed
        """;

    private static readonly TimeSpan BeatSlack = TimeSpan.FromMilliseconds(100);

    private readonly TimeSpan _nodeTimeout;
    private long _lastBeat;
    private bool _beaten;

    private RedisKey ShareKey(string nodeId) => $"jam:{_identity.JamId}:node:{nodeId}:presence";

    private RedisKey AliveKey(string nodeId) => $"jam:{_identity.JamId}:node:{nodeId}:alive";

    private RedisKey NodesKey => $"jam:{_identity.JamId}:presence:nodes";

    /// <summary>
    /// Every third of the node timeout: renews this node's heartbeat, and takes back the shares of nodes whose heartbeat
    /// expired. Called by the presence broadcaster's tick.
    /// </summary>
    public async Task KeepAliveAsync()
    {
        // A little slack, so that a tick a few milliseconds early does not put the beat off by a whole tick.
        if (!_redis.IsConnected || (_beaten && _clock.GetElapsedTime(_lastBeat) + BeatSlack < _nodeTimeout / 3))
        {
            return;
        }

        _lastBeat = _clock.GetTimestamp();
        var db = _redis.GetDatabase();
        var stillThere = (long)await db.ScriptEvaluateAsync(Beat, [AliveKey(_identity.NodeId), NodesKey], [_identity.NodeId, (long)_nodeTimeout.TotalMilliseconds]);
        if (stillThere == 0 && _beaten)
        {
            // Taken for dead (Redis away, or this process stalled, longer than the timeout): the share may be gone.
            _reconcileNeeded = true;
        }

        _beaten = true;
        foreach (var node in await db.SetMembersAsync(NodesKey))
        {
            if (node != _identity.NodeId)
            {
                await TakeBackShareAsync(node!, onlyIfGone: true);
            }
        }
    }

    /// <summary>On the way out, after the last connection closed: this node's share and heartbeat go.</summary>
    public async Task LeaveAsync()
    {
        if (!_redis.IsConnected)
        {
            // Not waiting for Redis's timeout on the way out: another node takes the share back once the heartbeat expires.
            return;
        }

        try
        {
            await TakeBackShareAsync(_identity.NodeId, onlyIfGone: false);
            await _redis.GetDatabase().KeyDeleteAsync(AliveKey(_identity.NodeId));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Another node takes the share back once the heartbeat expires.
            LogRedisDown(_log, ex);
        }
    }

    private async Task TakeBackShareAsync(string nodeId, bool onlyIfGone)
    {
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(
            TakeBackShare, [ShareKey(nodeId), AliveKey(nodeId), NodesKey], [RoomKeyPrefix, nodeId, onlyIfGone ? "1" : "0"]);
        var rooms = (RedisValue[])result!;
        foreach (var room in rooms)
        {
            MarkDirty(room!);
        }

        if (rooms.Length > 0 && nodeId != _identity.NodeId)
        {
            LogTookBack(_log, nodeId, rooms.Length);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The node {NodeId} stopped beating; its presence was taken back ({Entries} entries)")]
    private static partial void LogTookBack(ILogger logger, string nodeId, int entries);
}
