using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class ModerationOptionsTests
{
    [Fact]
    public void The_defaults_are_valid_and_as_documented()
    {
        var options = new ModerationOptions();

        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromMinutes(15), options.BucketSize);
        Assert.Equal(TimeSpan.FromMinutes(60), options.ShiftWindow);
        Assert.Equal(20, options.ShiftMinVolume);
        Assert.Equal(0.05, options.MoodMargin);
        Assert.Equal(0.35, options.ShiftThreshold);
        Assert.Equal(3, options.FlagThreshold);
        Assert.Equal(-0.05, options.NegativeBelow);
    }

    [Fact]
    public void Nonsense_values_are_each_named()
    {
        var options = new ModerationOptions
        {
            BucketSize = TimeSpan.Zero,
            ShiftWindow = TimeSpan.FromMinutes(-5),
            ShiftMinVolume = 0,
            MoodMargin = 1.5,
            ShiftThreshold = 0,
            FlagThreshold = 0,
            NegativeBelow = double.NaN,
        };

        var problems = options.Validate();

        Assert.Equal(7, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Moderation:BucketSize", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Moderation:NegativeBelow", StringComparison.Ordinal));
    }

    [Fact]
    public void The_options_validation_fails_with_the_problems()
    {
        var result = new ModerationOptionsValidation().Validate(null, new ModerationOptions { ShiftThreshold = 3 });

        Assert.True(result.Failed);
        Assert.Contains("Moderation:ShiftThreshold", result.FailureMessage, StringComparison.Ordinal);
    }
}
