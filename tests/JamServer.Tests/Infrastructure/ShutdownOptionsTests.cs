using JamServer.Infrastructure;

namespace JamServer.Tests.Infrastructure;

public sealed class ShutdownOptionsTests
{
    [Fact]
    public void The_default_drain_and_node_timeout_are_valid_and_fit_a_60_second_grace_period_with_the_stop()
    {
        var options = new JamOptions();
        Assert.True(options.IsValid(out _));
        Assert.True(options.DrainTime + TimeSpan.FromSeconds(5) + GracefulShutdown.StopTimeout <= TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData(-1, 30, "Jam:DrainTime")]
    [InlineData(601, 30, "Jam:DrainTime")]
    [InlineData(20, 2, "Jam:NodeTimeout")]
    [InlineData(20, 601, "Jam:NodeTimeout")]
    public void A_drain_time_or_node_timeout_out_of_range_stops_the_server_at_start(int drainSeconds, int nodeTimeoutSeconds, string named)
    {
        var options = new JamOptions { DrainTime = TimeSpan.FromSeconds(drainSeconds), NodeTimeout = TimeSpan.FromSeconds(nodeTimeoutSeconds) };
        Assert.False(options.IsValid(out var problem));
        Assert.StartsWith(named, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void No_drain_at_all_is_allowed()
    {
        Assert.True(new JamOptions { DrainTime = TimeSpan.Zero }.IsValid(out _));
    }
}
