using System.Collections.Concurrent;

namespace JamServer.Moderation;

/// <summary>
/// Live counts: the posts of each room and of the whole jam in the last minute, counted per second in a ring of 60
/// seconds, so a count is the posts whose time falls in the 60 whole seconds ending with the one holding "now".
/// Posts older than the ring are not counted. Like <see cref="ShiftDetector"/>, it counts what it is given: feed it
/// only posts the series counted. Thread-safe: each scope has its own lock.
/// </summary>
public sealed class PostRate
{
    private readonly ConcurrentDictionary<string, SecondsRing> _rooms = new(StringComparer.Ordinal);
    private readonly SecondsRing _jam = new();

    public void Record(string roomId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        var second = Second(at);
        _rooms.GetOrAdd(roomId, static _ => new SecondsRing()).Add(second);
        _jam.Add(second);
    }

    /// <summary>The room's posts (the jam's when <paramref name="roomId"/> is null) in the minute up to <paramref name="now"/>.</summary>
    public int PerMinute(string? roomId, DateTimeOffset now)
    {
        var ring = roomId is null ? _jam : _rooms.GetValueOrDefault(roomId);
        return ring?.Count(Second(now)) ?? 0;
    }

    /// <summary>Every room that has had a post, with its posts in the minute up to <paramref name="now"/>.</summary>
    public IReadOnlyDictionary<string, int> PerMinuteByRoom(DateTimeOffset now)
    {
        var second = Second(now);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (roomId, ring) in _rooms)
        {
            counts[roomId] = ring.Count(second);
        }

        return counts;
    }

    private static long Second(DateTimeOffset at) => Math.DivRem(at.UtcTicks, TimeSpan.TicksPerSecond).Quotient;

    private sealed class SecondsRing
    {
        private const int Seconds = 60;

        private readonly Lock _lock = new();
        private readonly long[] _second = new long[Seconds];
        private readonly int[] _count = new int[Seconds];

        public void Add(long second)
        {
            var slot = (int)(second % Seconds);
            lock (_lock)
            {
                if (_second[slot] == second)
                {
                    _count[slot]++;
                }
                else if (_second[slot] < second)
                {
                    // The slot held a second a minute or more ago.
                    _second[slot] = second;
                    _count[slot] = 1;
                }
            }
        }

        public int Count(long now)
        {
            var total = 0;
            lock (_lock)
            {
                for (var slot = 0; slot < Seconds; slot++)
                {
                    if (_second[slot] > now - Seconds && _second[slot] <= now)
                    {
                        total += _count[slot];
                    }
                }
            }

            return total;
        }
    }
}
