namespace JamServer.Moderation;

/// <summary>The shift settings, read once from <see cref="ModerationOptions"/> in the units the detector works in.</summary>
internal sealed record ShiftRules(long WindowTicks, int MinVolume, double Margin, double Threshold, int NegativeMicros)
{
    public static ShiftRules From(ModerationOptions options) => new(
        options.ShiftWindow.Ticks, options.ShiftMinVolume, options.MoodMargin, options.ShiftThreshold, Score.ToMicros(options.NegativeBelow));
}
