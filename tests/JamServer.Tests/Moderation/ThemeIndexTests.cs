using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class ThemeIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly ThemeIndex _index = new();
    private int _posts;

    /// <summary>Adds a post with the terms listed, separated by "|".</summary>
    private bool Add(double minutesAgo, string terms, double? score = null, string room = "a") =>
        _index.Add(room, "p" + ++_posts, Now.AddMinutes(-minutesAgo), terms.Split('|', StringSplitOptions.RemoveEmptyEntries), score);

    private void AddMany(int count, double minutesAgo, string terms, double? score = null, string room = "a")
    {
        for (var i = 0; i < count; i++)
        {
            Add(minutesAgo, terms, score, room);
        }
    }

    [Fact]
    public void A_term_rising_against_the_jams_baseline_ranks_first()
    {
        AddMany(40, 300, "coffee|office");
        AddMany(2, 200, "security");
        AddMany(10, 30, "coffee");
        AddMany(8, 20, "security");
        AddMany(3, 20, "office");

        var themes = _index.Emerging(null, Now, Hour);

        // Coffee and office fill the baseline: in the window they are below its rate.
        var security = Assert.Single(themes);
        Assert.Equal(("security", 8, 2), (security.Term, security.Volume, security.BaselineVolume));
    }

    [Fact]
    public void The_lift_is_the_smoothed_ratio_of_the_observed_volume_to_the_baselines_expectation()
    {
        Add(120, "x");
        AddMany(9, 120, "y");
        AddMany(4, 10, "x");
        Add(10, "z");

        var x = Assert.Single(_index.Emerging(null, Now, Hour), t => t.Term == "x");

        // Expected in the window: 5 posts × 1/10 = 0.5; lift = (4 + 2) / (0.5 + 2).
        Assert.Equal(2.4, x.Lift, 9);
        Assert.Equal(1, x.BaselineVolume);
    }

    [Fact]
    public void A_term_at_its_baseline_rate_is_not_emerging()
    {
        AddMany(20, 120, "roadmap");
        AddMany(20, 120, "budget");
        AddMany(5, 10, "roadmap");
        AddMany(5, 10, "budget");

        Assert.Empty(_index.Emerging(null, Now, Hour));
    }

    [Fact]
    public void With_an_empty_baseline_themes_rank_by_volume()
    {
        AddMany(3, 50, "pilot");
        AddMany(7, 40, "hackathon");
        AddMany(5, 30, "mentoring");

        var themes = _index.Emerging(null, Now, Hour);

        Assert.Equal(["hackathon", "mentoring", "pilot"], themes.Select(t => t.Term));
        Assert.Equal((7 + 2) / 2.0, themes[0].Lift);
        Assert.All(themes, t => Assert.Equal(0, t.BaselineVolume));
    }

    [Fact]
    public void A_term_needs_the_minimum_volume_in_the_window()
    {
        AddMany(2, 10, "rare");
        AddMany(3, 10, "enough");

        Assert.Equal(["enough"], _index.Emerging(null, Now, Hour).Select(t => t.Term));

        var strict = new ThemeIndex(minVolume: 4);
        for (var i = 0; i < 3; i++)
        {
            strict.Add("a", "q" + i, Now, ["enough"], null);
        }

        Assert.Empty(strict.Emerging(null, Now, Hour));
    }

    [Fact]
    public void The_sentiment_is_the_mean_score_of_the_scored_posts_holding_the_term()
    {
        Add(10, "canteen", 0.5);
        Add(10, "canteen", -0.1);
        Add(10, "canteen", null);
        AddMany(3, 10, "parking");

        var themes = _index.Emerging(null, Now, Hour);

        Assert.Equal(0.2, themes.Single(t => t.Term == "canteen").Sentiment!.Value, 6);
        Assert.Equal(3, themes.Single(t => t.Term == "canteen").Volume);
        Assert.Null(themes.Single(t => t.Term == "parking").Sentiment);
    }

    [Fact]
    public void A_rooms_themes_come_from_its_own_posts_against_the_jams_baseline()
    {
        AddMany(30, 120, "canteen", room: "b");
        AddMany(3, 10, "canteen", room: "a");
        AddMany(4, 10, "parking", room: "a");
        AddMany(8, 10, "hackathon", room: "b");

        var themes = _index.Emerging("a", Now, Hour);

        // In room a, canteen is 3 of 7 posts against 30 of 30 before: below the jam's baseline rate.
        Assert.Equal(["parking"], themes.Select(t => t.Term));
        Assert.Equal(["hackathon", "parking"], _index.Emerging(null, Now, Hour).Select(t => t.Term));
        Assert.Empty(_index.Emerging("nowhere", Now, Hour));
    }

    [Fact]
    public void The_window_is_exact_and_later_posts_are_in_neither_the_window_nor_the_baseline()
    {
        AddMany(3, 60, "edge");
        AddMany(3, 0, "now");
        AddMany(3, -5, "future");
        AddMany(3, 59.9, "inside");

        var themes = _index.Emerging(null, Now, Hour);

        Assert.Equal(["inside", "now"], themes.Select(t => t.Term).Order());
        Assert.All(themes, t => Assert.Equal(0, t.BaselineVolume));
        Assert.Equal(3, Assert.Single(_index.Emerging(null, Now.AddMinutes(10), Hour), t => t.Term == "future").Volume);
    }

    [Fact]
    public void A_post_added_twice_counts_once()
    {
        Assert.True(_index.Add("a", "same", Now, ["echo"], 1));
        Assert.False(_index.Add("a", "same", Now, ["echo"], 1));
        Assert.False(_index.Add("b", "same", Now, ["echo"], 1));
        _index.Add("a", "other", Now, ["echo", "echo"], 1);

        Assert.Empty(_index.Emerging(null, Now, Hour));
        _index.Add("a", "third", Now, ["echo"], 1);
        Assert.Equal(3, Assert.Single(_index.Emerging(null, Now, Hour)).Volume);
    }

    [Fact]
    public void A_late_post_counts_in_its_own_time()
    {
        AddMany(20, 300, "other");
        AddMany(3, 10, "drone");
        Assert.Equal(0, Assert.Single(_index.Emerging(null, Now, Hour)).BaselineVolume);

        Add(300, "drone");

        Assert.Equal(1, Assert.Single(_index.Emerging(null, Now, Hour)).BaselineVolume);
    }

    [Fact]
    public void A_phrase_is_preferred_over_its_words_when_it_covers_their_posts()
    {
        AddMany(4, 10, "supply|chain|supply chain");
        AddMany(6, 10, "chain");

        var themes = _index.Emerging(null, Now, Hour).Select(t => t.Term).ToList();

        // "supply" is only ever in "supply chain"; "chain" is in 10 posts, the phrase in 4 of them.
        Assert.Equal(["chain", "supply chain"], themes);
    }

    [Fact]
    public void Posts_without_terms_do_not_count()
    {
        AddMany(3, 10, "greenhouse");
        AddMany(50, 120, "");

        Assert.Equal(0, Assert.Single(_index.Emerging(null, Now, Hour)).BaselineVolume);
        Assert.Equal(2.5, _index.Emerging(null, Now, Hour)[0].Lift);
    }

    [Fact]
    public void At_most_top_themes_are_returned()
    {
        foreach (var term in new[] { "a1", "b2", "c3", "d4" })
        {
            AddMany(3, 10, term);
        }

        Assert.Equal(2, _index.Emerging(null, Now, Hour, top: 2).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => _index.Emerging(null, Now, TimeSpan.Zero));
    }

    [Fact]
    public void Posts_added_from_many_threads_are_all_counted()
    {
        Parallel.For(0, 3000, i => _index.Add("r" + (i % 5), "p" + i, Now.AddMinutes(-(i % 120)), ["t" + (i % 3), "shared"], 0.1));

        var themes = _index.Emerging(null, Now, Hour);

        // Minutes 0..59 ago are in the window (half the posts), 60..119 the baseline: every term at its base rate.
        Assert.Empty(themes);
        Assert.Equal(3000, _index.Emerging(null, Now, TimeSpan.FromHours(3)).Single(t => t.Term == "shared").Volume);
        Assert.Equal(600, _index.Emerging("r1", Now, TimeSpan.FromHours(3)).Single(t => t.Term == "shared").Volume);
    }

    [Fact]
    public async Task Themes_can_be_queried_while_posts_with_new_terms_are_added()
    {
        var writer = Task.Run(() => Parallel.For(0, 20_000, i =>
            _index.Add("r" + (i % 5), "p" + i, Now.AddSeconds(-(i % 7200)), ["t" + (i % 500), "new" + i, "shared"], 0.1)));
        while (!writer.IsCompleted)
        {
            Assert.All(_index.Emerging(null, Now, Hour), t => Assert.InRange(t.Volume, 3, 20_000));
            Assert.All(_index.Emerging("r1", Now, Hour), t => Assert.InRange(t.Volume, 3, 4_000));
        }

        await writer;
        var shared = Assert.Single(_index.Emerging(null, Now, TimeSpan.FromHours(3), top: 1));
        Assert.Equal(("shared", 20_000), (shared.Term, shared.Volume));
    }
}
