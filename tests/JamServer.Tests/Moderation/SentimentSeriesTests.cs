using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class SentimentSeriesTests
{
    // 09:00 UTC is on a 15-minute boundary counted from the Unix epoch.
    private static readonly DateTimeOffset Nine = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private readonly SentimentSeries _series = new(new ModerationOptions());

    private SeriesUpdate? Record(string room, string post, double minutes, double? score) =>
        _series.Record(room, post, Nine.AddMinutes(minutes), score);

    [Fact]
    public void A_post_updates_its_rooms_bucket_and_the_jams()
    {
        Record("a", "p1", 1, 0.5);
        var update = Record("b", "p2", 2, -0.5);

        Assert.NotNull(update);
        Assert.Equal(new SentimentBucket(Nine, TimeSpan.FromMinutes(15), 1, -0.5, 1, 0), update.RoomBucket);
        Assert.Equal(new SentimentBucket(Nine, TimeSpan.FromMinutes(15), 2, 0, 0.5, 0), update.JamBucket);
        Assert.Equal(0.5, _series.BucketAt("a", Nine)!.Mean);
    }

    [Fact]
    public void Buckets_are_aligned_to_the_bucket_size_from_the_epoch()
    {
        var series = new SentimentSeries(new ModerationOptions { BucketSize = TimeSpan.FromMinutes(10) });

        var update = series.Record("a", "p1", new DateTimeOffset(2026, 11, 27, 10, 17, 42, TimeSpan.FromHours(2)), 0.2);

        Assert.Equal(new DateTimeOffset(2026, 11, 27, 8, 10, 0, TimeSpan.Zero), update!.RoomBucket.Start);
        Assert.Equal(TimeSpan.Zero, update.RoomBucket.Start.Offset);
        Assert.Equal(TimeSpan.FromMinutes(10), update.RoomBucket.Size);
    }

    [Fact]
    public void Unscored_posts_count_apart_and_not_in_the_mean()
    {
        Record("a", "p1", 1, 0.6);
        Record("a", "p2", 2, null);
        var update = Record("a", "p3", 3, double.NaN);

        Assert.Equal(1, update!.RoomBucket.Volume);
        Assert.Equal(0.6, update.RoomBucket.Mean);
        Assert.Equal(2, update.RoomBucket.Unscored);

        var onlyUnscored = Record("a", "p4", 20, null)!.RoomBucket;
        Assert.Null(onlyUnscored.Mean);
        Assert.Equal(0, onlyUnscored.ShareNegative);
    }

    [Fact]
    public void A_post_is_negative_at_or_below_the_negative_bound()
    {
        Record("a", "p1", 1, -0.05);
        Record("a", "p2", 1, -0.04);
        Record("a", "p3", 1, 0.9);
        var bucket = Record("a", "p4", 1, -3)!.RoomBucket;

        Assert.Equal(0.5, bucket.ShareNegative);
        Assert.Equal((-0.05 - 0.04 + 0.9 - 1) / 4, bucket.Mean!.Value, 9);
    }

    [Fact]
    public void A_post_recorded_twice_counts_once()
    {
        Record("a", "p1", 1, 0.5);

        Assert.Null(Record("a", "p1", 1, 0.5));
        Assert.Null(Record("b", "p1", 40, -1));
        Assert.Equal(1, _series.BucketAt("a", Nine)!.Volume);
        Assert.Equal(1, _series.BucketAt(null, Nine)!.Volume);
        Assert.Null(_series.BucketAt("b", Nine.AddMinutes(40)));
    }

    [Fact]
    public void A_late_post_goes_into_its_own_earlier_bucket()
    {
        Record("a", "p1", 1, 0.5);
        Record("a", "p2", 50, 0.5);

        var late = Record("a", "p3", 20, -0.5);

        Assert.Equal(Nine.AddMinutes(15), late!.RoomBucket.Start);
        Assert.Equal(
            [(Nine, 0.5), (Nine.AddMinutes(15), -0.5), (Nine.AddMinutes(45), 0.5)],
            _series.Buckets("a", Nine, Nine.AddHours(1)).Select(b => (b.Start, b.Mean!.Value)));
    }

    [Fact]
    public void A_query_returns_the_non_empty_buckets_overlapping_the_range_in_order()
    {
        Record("a", "p1", 1, 0.1);
        Record("a", "p2", 31, 0.2);
        Record("a", "p3", 61, 0.3);
        Record("b", "p4", 46, 0.4);

        Assert.Equal([Nine, Nine.AddMinutes(30)], _series.Buckets("a", Nine.AddMinutes(5), Nine.AddMinutes(60)).Select(b => b.Start));
        Assert.Equal(
            [Nine.AddMinutes(30), Nine.AddMinutes(45), Nine.AddMinutes(60)],
            _series.Buckets(null, Nine.AddMinutes(30), Nine.AddMinutes(61)).Select(b => b.Start));
        Assert.Empty(_series.Buckets("a", Nine.AddMinutes(60), Nine.AddMinutes(60)));
        Assert.Empty(_series.Buckets("nowhere", Nine, Nine.AddHours(2)));
    }

    [Fact]
    public void The_jam_series_adds_up_the_rooms()
    {
        Record("a", "p1", 1, 1);
        Record("b", "p2", 2, -1);
        Record("c", "p3", 3, null);

        var jam = _series.BucketAt(null, Nine.AddMinutes(14))!;

        Assert.Equal((2, 0.0, 0.5, 1), (jam.Volume, jam.Mean!.Value, jam.ShareNegative, jam.Unscored));
    }

    [Fact]
    public void Posts_recorded_from_many_threads_at_once_are_all_counted_once()
    {
        Parallel.For(0, 4000, i => Record("r" + (i % 7), "p" + (i % 2000), i % 90, (i % 3) - 1));

        var buckets = _series.Buckets(null, Nine, Nine.AddHours(2));
        Assert.Equal(2000, buckets.Sum(b => b.Volume));
        Assert.Equal(2000, Enumerable.Range(0, 7).Sum(r => _series.Buckets("r" + r, Nine, Nine.AddHours(2)).Sum(b => b.Volume)));
    }
}
