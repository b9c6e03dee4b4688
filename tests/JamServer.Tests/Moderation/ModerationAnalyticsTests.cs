using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class ModerationAnalyticsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static ModerationAnalytics Small() =>
        new(new ModerationOptions { ShiftWindow = TimeSpan.FromSeconds(30), ShiftMinVolume = 3 });

    private sealed record Post(string Room, string Id, DateTimeOffset At, double? Score, string Language, string Text);

    private static readonly Post[] Posts =
    [
        .. Enumerable.Range(0, 4).Select(i => new Post("a", "n" + i, Start.AddSeconds(i), -0.8, "en", "The canteen queue is too long")),
        .. Enumerable.Range(4, 8).Select(i => new Post("a", "p" + i, Start.AddSeconds(i), 0.8, "en", "Remote work pilots are working")),
        new Post("b", "f1", Start.AddSeconds(5), null, "fr", "Le travail à distance"),
    ];

    private static List<RecordResult> RecordAll(ModerationAnalytics analytics, IEnumerable<Post> posts) =>
        [.. posts.Select(p => analytics.Record(p.Room, p.Id, p.At, p.Score, p.Language, p.Text)).OfType<RecordResult>()];

    [Fact]
    public void Recording_a_post_updates_the_series_the_rate_and_the_themes_and_returns_the_shifts()
    {
        var analytics = Small();

        var results = RecordAll(analytics, Posts);

        Assert.Equal(13, results.Count);
        Assert.Equal(1, results[^1].RoomBucket.Unscored);
        Assert.Equal(13, results[^1].JamBucket.Volume + results[^1].JamBucket.Unscored);
        var shifts = results.SelectMany(r => r.Shifts).ToList();
        Assert.Equal([("a", ShiftKinds.TurnedConstructive), (null, ShiftKinds.TurnedConstructive)], shifts.Select(s => (s.RoomId, s.Kind)));
        Assert.Equal(13, analytics.Rate.PerMinute(null, Start.AddSeconds(30)));
        var themes = analytics.Themes.Emerging(null, Start.AddSeconds(30), TimeSpan.FromMinutes(5));
        Assert.Equal(8, themes.Single(t => t.Term == "remote work").Volume);
        Assert.Equal(0.8, themes.Single(t => t.Term == "remote work").Sentiment!.Value, 6);
        Assert.Contains(themes, t => t.Term == "canteen queue");
        Assert.DoesNotContain(themes, t => t.Term.Contains("travail", StringComparison.Ordinal));
    }

    [Fact]
    public void A_replay_overlapping_live_posts_counts_each_post_once_everywhere()
    {
        var live = Small();
        RecordAll(live, Posts);

        var replayed = Small();
        RecordAll(replayed, Posts.Take(6));
        var again = RecordAll(replayed, Posts);

        Assert.Equal(Posts.Length - 6, again.Count);
        Assert.Equal(live.Series.Buckets(null, Start, Start.AddHours(1)), replayed.Series.Buckets(null, Start, Start.AddHours(1)));
        Assert.Equal(live.Rate.PerMinute(null, Start.AddSeconds(30)), replayed.Rate.PerMinute(null, Start.AddSeconds(30)));
        Assert.Equal(
            live.Themes.Emerging(null, Start.AddSeconds(30), TimeSpan.FromMinutes(5)),
            replayed.Themes.Emerging(null, Start.AddSeconds(30), TimeSpan.FromMinutes(5)));
        Assert.Null(replayed.Record("a", "n0", Start, -0.8, "en", "The canteen queue is too long"));
    }
}
