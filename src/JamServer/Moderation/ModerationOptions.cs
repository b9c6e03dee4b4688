using Microsoft.Extensions.Options;

namespace JamServer.Moderation;

/// <summary>The "Moderation" configuration section: the sentiment series and the shift alerts (docs/moderation.md).</summary>
public sealed class ModerationOptions
{
    public const string Section = "Moderation";

    /// <summary>The length of a sentiment bucket; buckets are aligned to it from the Unix epoch.</summary>
    public TimeSpan BucketSize { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The length of the "after" window (ending at a scope's newest scored post) and of the "before" window preceding it.</summary>
    public TimeSpan ShiftWindow { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>The scored posts a window needs before its mean sets the mood or counts in a move.</summary>
    public int ShiftMinVolume { get; set; } = 20;

    /// <summary>The mood is negative at a mean ≤ −margin, constructive at ≥ +margin, and holds its previous value in between.</summary>
    public double MoodMargin { get; set; } = 0.05;

    /// <summary>A change of the mean between the before and the after window of at least this much is a move (rose / fell).</summary>
    public double ShiftThreshold { get; set; } = 0.35;

    /// <summary>Flags that hide a post for review (used by the flagging feature, not by the analytics).</summary>
    public int FlagThreshold { get; set; } = 3;

    /// <summary>A scored post counts as negative (in "share negative") when its score is at most this.</summary>
    public double NegativeBelow { get; set; } = -0.05;

    /// <summary>What is wrong with these settings, one sentence per problem; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BucketSize < TimeSpan.FromSeconds(1) || BucketSize > TimeSpan.FromDays(1))
        {
            problems.Add("Moderation:BucketSize must be between 1 second and 1 day");
        }

        if (ShiftWindow < TimeSpan.FromSeconds(1) || ShiftWindow > TimeSpan.FromDays(1))
        {
            problems.Add("Moderation:ShiftWindow must be between 1 second and 1 day");
        }

        if (ShiftMinVolume < 1)
        {
            problems.Add("Moderation:ShiftMinVolume must be at least 1");
        }

        if (!(MoodMargin is >= 0 and < 1))
        {
            problems.Add("Moderation:MoodMargin must be at least 0 and below 1");
        }

        if (!(ShiftThreshold is > 0 and <= 2))
        {
            problems.Add("Moderation:ShiftThreshold must be above 0 and at most 2");
        }

        if (FlagThreshold < 1)
        {
            problems.Add("Moderation:FlagThreshold must be at least 1");
        }

        if (!(NegativeBelow is >= -1 and <= 1))
        {
            problems.Add("Moderation:NegativeBelow must be between -1 and 1");
        }

        return problems;
    }
}

/// <summary>Moderation settings out of range stop the server at start, with what is wrong.</summary>
public sealed class ModerationOptionsValidation : IValidateOptions<ModerationOptions>
{
    public ValidateOptionsResult Validate(string? name, ModerationOptions options)
    {
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
