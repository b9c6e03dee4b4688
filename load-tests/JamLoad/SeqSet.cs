namespace JamLoad;

/// <summary>The sequence numbers one receiver got in its room, above the baseline it joined at.</summary>
public sealed class SeqSet(long baseline)
{
    private readonly Lock _lock = new();
    private ulong[] _bits = new ulong[16];

    public long Count { get; private set; }

    /// <summary>False for a duplicate (or a seq at or below the baseline).</summary>
    public bool Add(long seq)
    {
        var offset = seq - baseline - 1;
        if (offset < 0)
        {
            return false;
        }

        lock (_lock)
        {
            var word = (int)(offset >> 6);
            if (word >= _bits.Length)
            {
                Array.Resize(ref _bits, Math.Max(_bits.Length * 2, word + 1));
            }

            var mask = 1UL << (int)(offset & 63);
            if ((_bits[word] & mask) != 0)
            {
                return false;
            }

            _bits[word] |= mask;
            Count++;
            return true;
        }
    }

    public bool Contains(long seq)
    {
        var offset = seq - baseline - 1;
        lock (_lock)
        {
            var word = offset >> 6;
            return offset >= 0 && word < _bits.Length && (_bits[word] & (1UL << (int)(offset & 63))) != 0;
        }
    }
}
