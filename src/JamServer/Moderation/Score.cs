namespace JamServer.Moderation;

/// <summary>
/// Scores are summed in millionths, as whole numbers: sums then come out the same whatever order posts arrive in,
/// and a post taken out of a window takes out exactly what it put in.
/// </summary>
internal static class Score
{
    private const double Scale = 1_000_000;

    /// <summary>A score in millionths, clamped to [-1, 1]; null for an unscored post (or a NaN).</summary>
    public static int? ToMicros(double? score) =>
        score is { } s && !double.IsNaN(s) ? (int)Math.Round(Math.Clamp(s, -1, 1) * Scale) : null;

    public static int ToMicros(double score) => (int)Math.Round(Math.Clamp(score, -1, 1) * Scale);

    public static double? Mean(long sumMicros, int count) => count == 0 ? null : sumMicros / Scale / count;

    public static double Share(int part, int count) => count == 0 ? 0 : (double)part / count;
}
