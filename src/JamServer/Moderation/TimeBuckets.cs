namespace JamServer.Moderation;

/// <summary>Buckets of a fixed size aligned from the Unix epoch, numbered from it.</summary>
internal static class TimeBuckets
{
    public static long Index(DateTimeOffset at, long sizeTicks)
    {
        var sinceEpoch = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (sinceEpoch / sizeTicks) - (sinceEpoch % sizeTicks < 0 ? 1 : 0);
    }

    public static DateTimeOffset Start(long index, long sizeTicks) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (index * sizeTicks), TimeSpan.Zero);
}
