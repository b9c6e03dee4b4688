namespace JamServer.Moderation;

/// <summary>Configuration section "Moderation".</summary>
public sealed class ModerationOptions
{
    public const string Section = "Moderation";

    /// <summary>Distinct participants' flags that hide a post until a moderator reviews it.</summary>
    public int FlagThreshold { get; set; } = 3;
}
