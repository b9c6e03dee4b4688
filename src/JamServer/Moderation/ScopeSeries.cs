namespace JamServer.Moderation;

/// <summary>One scope's buckets (a room's or the jam's), kept in order of time, under their own lock.</summary>
internal sealed class ScopeSeries(long bucketTicks)
{
    private struct Tally
    {
        public long Index;
        public int Volume;
        public long SumMicros;
        public int Negative;
        public int Unscored;
    }

    private readonly Lock _lock = new();
    private readonly List<Tally> _buckets = [];

    public SentimentBucket Add(long index, int? micros, bool negative)
    {
        lock (_lock)
        {
            var at = Find(index);
            if (at < 0)
            {
                at = ~at;
                _buckets.Insert(at, new Tally { Index = index });
            }

            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buckets);
            ref var tally = ref span[at];
            if (micros is { } m)
            {
                tally.Volume++;
                tally.SumMicros += m;
                tally.Negative += negative ? 1 : 0;
            }
            else
            {
                tally.Unscored++;
            }

            return ToBucket(tally);
        }
    }

    public SentimentBucket? At(long index)
    {
        lock (_lock)
        {
            var at = Find(index);
            return at < 0 ? null : ToBucket(_buckets[at]);
        }
    }

    /// <summary>The buckets numbered first to last, both included.</summary>
    public List<SentimentBucket> Range(long first, long last)
    {
        var found = new List<SentimentBucket>();
        lock (_lock)
        {
            var at = Find(first);
            for (var i = at < 0 ? ~at : at; i < _buckets.Count && _buckets[i].Index <= last; i++)
            {
                found.Add(ToBucket(_buckets[i]));
            }
        }

        return found;
    }

    /// <summary>The bucket's position, or its complement (as BinarySearch) where it would go. Posts mostly go into the last one.</summary>
    private int Find(long index)
    {
        var count = _buckets.Count;
        if (count > 0 && _buckets[count - 1].Index == index)
        {
            return count - 1;
        }

        if (count == 0 || _buckets[count - 1].Index < index)
        {
            return ~count;
        }

        int low = 0, high = count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var found = _buckets[middle].Index;
            if (found == index)
            {
                return middle;
            }

            if (found < index)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    private SentimentBucket ToBucket(Tally tally) => new(
        TimeBuckets.Start(tally.Index, bucketTicks),
        TimeSpan.FromTicks(bucketTicks),
        tally.Volume,
        Score.Mean(tally.SumMicros, tally.Volume),
        Score.Share(tally.Negative, tally.Volume),
        tally.Unscored);
}
