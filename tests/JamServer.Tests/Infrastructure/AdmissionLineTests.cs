using JamServer.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JamServer.Tests.Infrastructure;

public sealed class AdmissionLineTests
{
    private static AdmissionLine Line(int perSecond, int maxRetryAfter = 30) => new(
        Options.Create(new AdmissionOptions { ConnectsPerSecond = perSecond, MaxRetryAfterSeconds = maxRetryAfter }),
        new StoppedClock(),
        NullLogger<AdmissionLine>.Instance);

    [Fact]
    public void A_lone_refusal_is_told_to_come_back_within_a_second_or_two()
    {
        Assert.InRange(Line(1000).Refused(TimeSpan.FromMilliseconds(100)), 1, 2);
    }

    [Fact]
    public void A_wave_refused_in_one_second_is_told_to_come_back_spread_over_the_time_the_pace_needs_to_let_it_in()
    {
        var line = Line(100);

        var told = Enumerable.Range(0, 1000).Select(_ => line.Refused(TimeSpan.FromMilliseconds(10))).ToList();

        // 1,000 refused at 100 a second need 10 s: they are told 1 to 11 s, the later ones spread the widest.
        Assert.All(told, seconds => Assert.InRange(seconds, 1, 11));
        Assert.True(told.Distinct().Count() >= 9, $"only {told.Distinct().Count()} distinct waits");
        Assert.True(told.TakeLast(200).Average() > 4, "the last of the wave were not spread over the line");
    }

    [Fact]
    public void No_client_is_told_to_wait_longer_than_the_configured_most()
    {
        var line = Line(10, maxRetryAfter: 30);

        Assert.All(Enumerable.Range(0, 10_000).Select(_ => line.Refused(TimeSpan.FromSeconds(1))), seconds => Assert.InRange(seconds, 1, 30));
    }

    [Theory]
    [InlineData(0, 1, 16, 1)]
    [InlineData(10, 0, 16, 1)]
    [InlineData(10, 10, 0, 1)]
    [InlineData(10, 10, 16, 0)]
    public void Admission_settings_out_of_range_are_refused_at_start(int perSecond, int burst, int catchUps, int backlog)
    {
        var options = new AdmissionOptions { ConnectsPerSecond = perSecond, ConnectBurst = burst, CatchUpConcurrency = catchUps, AcceptBacklog = backlog };

        Assert.False(options.IsValid(out var problem));
        Assert.StartsWith("Jam:Admission:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_admission_settings_are_valid()
    {
        Assert.True(new AdmissionOptions().IsValid(out _));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    }
}
