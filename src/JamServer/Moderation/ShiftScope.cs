using System.Runtime.InteropServices;

namespace JamServer.Moderation;

/// <summary>
/// One scope's (a room's or the jam's) two windows and mood, under its own lock. The scored posts of the last two
/// windows are kept in order of time: [head, split) is the before window (t − 2W, t − W], [split, end) the after
/// window (t − W, t], t being the newest post's time. Running sums make each post cost O(1) (O(n) only for a post
/// arriving out of order); posts older than the before window are ignored.
/// </summary>
internal sealed class ShiftScope(string? roomId, ShiftRules rules)
{
    private enum Mood
    {
        Unknown,
        Negative,
        Constructive,
    }

    private readonly record struct Entry(long Ticks, int Micros, string PostId);

    private struct Sums
    {
        public int Count;
        public long Micros;
        public int Negative;

        public void Add(Entry entry, int negativeMicros)
        {
            Count++;
            Micros += entry.Micros;
            Negative += entry.Micros <= negativeMicros ? 1 : 0;
        }

        public void Remove(Entry entry, int negativeMicros)
        {
            Count--;
            Micros -= entry.Micros;
            Negative -= entry.Micros <= negativeMicros ? 1 : 0;
        }
    }

    private const int PostsNamed = 5;
    private const int CompactAfter = 1024;

    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private int _head;
    private int _split;
    private long _newest = long.MinValue;
    private Sums _before;
    private Sums _after;
    private Mood _mood;
    private ShiftFigures? _lastOfMood;
    private long _moveAllowedFrom = long.MinValue;

    public SentimentShift? Observe(string postId, DateTimeOffset at, int micros)
    {
        lock (_lock)
        {
            var entry = new Entry(at.UtcTicks, micros, postId);
            if (!Insert(entry))
            {
                return null;
            }

            return Evaluate();
        }
    }

    private bool Insert(Entry entry)
    {
        var window = rules.WindowTicks;
        if (_newest != long.MinValue && entry.Ticks <= _newest - (2 * window))
        {
            return false;
        }

        if (entry.Ticks >= _newest)
        {
            _newest = entry.Ticks;
            _entries.Add(entry);
            _after.Add(entry, rules.NegativeMicros);
            Slide();
            return true;
        }

        var position = UpperBound(entry.Ticks);
        _entries.Insert(position, entry);
        if (entry.Ticks > _newest - window)
        {
            _after.Add(entry, rules.NegativeMicros);
        }
        else
        {
            _before.Add(entry, rules.NegativeMicros);
            _split++;
        }

        return true;
    }

    /// <summary>Moves posts from the after window into the before window, and out of it, as the newest time moves on.</summary>
    private void Slide()
    {
        var window = rules.WindowTicks;
        while (_split < _entries.Count && _entries[_split].Ticks <= _newest - window)
        {
            _after.Remove(_entries[_split], rules.NegativeMicros);
            _before.Add(_entries[_split], rules.NegativeMicros);
            _split++;
        }

        while (_head < _split && _entries[_head].Ticks <= _newest - (2 * window))
        {
            _before.Remove(_entries[_head], rules.NegativeMicros);
            _entries[_head] = default;
            _head++;
        }

        if (_head >= CompactAfter && _head * 2 >= _entries.Count)
        {
            _entries.RemoveRange(0, _head);
            _split -= _head;
            _head = 0;
            if (_entries.Capacity > 4 * CompactAfter && _entries.Count * 4 < _entries.Capacity)
            {
                _entries.Capacity = _entries.Count * 2;
            }
        }
    }

    private int UpperBound(long ticks)
    {
        int low = _head, high = _entries.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].Ticks <= ticks)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private SentimentShift? Evaluate()
    {
        var window = rules.WindowTicks;
        var after = Figures(_after, _newest - window, _newest);
        var before = Figures(_before, _newest - (2 * window), _newest - window);

        var moved = after.Volume >= rules.MinVolume && before.Volume >= rules.MinVolume
            && Math.Abs(after.Mean!.Value - before.Mean!.Value) >= rules.Threshold;

        if (after.Volume >= rules.MinVolume && MoodOf(after.Mean!.Value) is var mood && mood != Mood.Unknown)
        {
            var previous = _mood;
            var lastOfPrevious = _lastOfMood;
            _mood = mood;
            _lastOfMood = after;
            if (previous != Mood.Unknown && previous != mood)
            {
                if (moved)
                {
                    // The crossing tells of this move already.
                    _moveAllowedFrom = _newest + window;
                }

                var kind = mood == Mood.Constructive ? ShiftKinds.TurnedConstructive : ShiftKinds.TurnedNegative;
                return Shift(kind, lastOfPrevious!, after, upward: mood == Mood.Constructive);
            }
        }

        if (moved && _newest >= _moveAllowedFrom)
        {
            _moveAllowedFrom = _newest + window;
            var rose = after.Mean > before.Mean;
            return Shift(rose ? ShiftKinds.Rose : ShiftKinds.Fell, before, after, upward: rose);
        }

        return null;
    }

    /// <summary>The mood a mean sets on its own; Unknown between the margins, where the mood holds.</summary>
    private Mood MoodOf(double mean) =>
        mean <= -rules.Margin ? Mood.Negative : mean >= rules.Margin ? Mood.Constructive : Mood.Unknown;

    private SentimentShift Shift(string kind, ShiftFigures before, ShiftFigures after, bool upward) =>
        new(roomId, kind, before, after, Strongest(upward), new DateTimeOffset(_newest, TimeSpan.Zero), TimeSpan.FromTicks(rules.WindowTicks));

    /// <summary>The after window's posts pulling hardest up (or down), strongest first; ties go to the newer post, then the smaller id.</summary>
    private string[] Strongest(bool upward)
    {
        var picked = new List<Entry>(PostsNamed + 1);
        var sign = upward ? 1 : -1;
        foreach (var entry in CollectionsMarshal.AsSpan(_entries)[_split..])
        {
            var at = picked.Count;
            while (at > 0 && Stronger(entry, picked[at - 1], sign))
            {
                at--;
            }

            if (at < PostsNamed)
            {
                picked.Insert(at, entry);
                if (picked.Count > PostsNamed)
                {
                    picked.RemoveAt(PostsNamed);
                }
            }
        }

        return picked.ConvertAll(e => e.PostId).ToArray();
    }

    private static bool Stronger(Entry a, Entry b, int sign) =>
        a.Micros != b.Micros ? sign * a.Micros > sign * b.Micros
        : a.Ticks != b.Ticks ? a.Ticks > b.Ticks
        : string.CompareOrdinal(a.PostId, b.PostId) < 0;

    private static ShiftFigures Figures(Sums sums, long fromTicks, long toTicks) => new(
        Score.Mean(sums.Micros, sums.Count),
        sums.Count,
        Score.Share(sums.Negative, sums.Count),
        new DateTimeOffset(fromTicks, TimeSpan.Zero),
        new DateTimeOffset(toTicks, TimeSpan.Zero));
}
