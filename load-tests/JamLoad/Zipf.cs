namespace JamLoad;

/// <summary>Picks item i (0-based) with probability proportional to 1 / (i + 1)^s: a few hot rooms, a long tail.</summary>
public sealed class Zipf
{
    private readonly double[] _cumulative;

    public Zipf(int items, double exponent)
    {
        _cumulative = new double[items];
        var sum = 0.0;
        for (var i = 0; i < items; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            _cumulative[i] = sum;
        }

        for (var i = 0; i < items; i++)
        {
            _cumulative[i] /= sum;
        }
    }

    public int Next(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
    }

    /// <summary>How many of <paramref name="total"/> members each item gets, in exact proportion (largest remainder).</summary>
    public int[] Split(int total)
    {
        var shares = new int[_cumulative.Length];
        var assigned = 0;
        for (var i = 0; i < shares.Length; i++)
        {
            var upTo = (int)Math.Round(_cumulative[i] * total);
            shares[i] = upTo - assigned;
            assigned = upTo;
        }

        return shares;
    }
}
