using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class PostRateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private readonly PostRate _rate = new();

    [Fact]
    public void The_rate_counts_the_posts_of_the_last_minute_per_room_and_for_the_jam()
    {
        _rate.Record("a", Now.AddSeconds(-59));
        _rate.Record("a", Now.AddSeconds(-10));
        _rate.Record("b", Now);
        _rate.Record("b", Now.AddSeconds(-61));

        Assert.Equal(2, _rate.PerMinute("a", Now));
        Assert.Equal(1, _rate.PerMinute("b", Now));
        Assert.Equal(3, _rate.PerMinute(null, Now));
        Assert.Equal(0, _rate.PerMinute("nowhere", Now));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }, _rate.PerMinuteByRoom(Now));
    }

    [Fact]
    public void Posts_leave_the_count_as_the_minute_moves_on()
    {
        _rate.Record("a", Now);
        _rate.Record("a", Now.AddSeconds(30));

        Assert.Equal(2, _rate.PerMinute("a", Now.AddSeconds(59)));
        Assert.Equal(1, _rate.PerMinute("a", Now.AddSeconds(60)));
        Assert.Equal(0, _rate.PerMinute("a", Now.AddSeconds(90)));
        Assert.Equal(0, _rate.PerMinute("a", Now.AddSeconds(-1)));
    }

    [Fact]
    public void A_second_reused_a_minute_later_starts_again_from_zero()
    {
        _rate.Record("a", Now);
        _rate.Record("a", Now.AddSeconds(60));
        _rate.Record("a", Now.AddSeconds(1));

        Assert.Equal(2, _rate.PerMinute("a", Now.AddSeconds(60)));
    }

    [Fact]
    public void Posts_recorded_from_many_threads_are_all_counted()
    {
        Parallel.For(0, 6000, i => _rate.Record("r" + (i % 3), Now.AddMilliseconds(-(i % 50_000))));

        Assert.Equal(6000, _rate.PerMinute(null, Now));
        Assert.Equal(2000, _rate.PerMinute("r2", Now));
    }
}
