using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using JamServer.Moderation;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Moderation;

/// <summary>A jam whose shift rules act on a small scale: a 20-second window and three posts.</summary>
public sealed class SmallScaleModerationFixture() : JamServerFixture(new Dictionary<string, string>
{
    ["Moderation__ShiftWindow"] = "00:00:20",
    ["Moderation__ShiftMinVolume"] = "3",
    ["Moderation__BucketSize"] = "00:01:00",
});

[CollectionDefinition(Name)]
public sealed class SmallScaleModerationCollection : ICollectionFixture<SmallScaleModerationFixture>
{
    public const string Name = "A jam with small-scale moderation rules";
}

[Collection(SmallScaleModerationCollection.Name)]
public sealed class SentimentTests(SmallScaleModerationFixture jam)
{
    private sealed class Watcher : IAsyncDisposable
    {
        public ConcurrentQueue<ShiftAlertDto> Shifts { get; } = new();
        public ConcurrentQueue<SentimentUpdateDto> Updates { get; } = new();
        public ConcurrentQueue<LiveCountsDto> Counts { get; } = new();
        public required JamClient Client { get; init; }

        public static async Task<Watcher> ConnectAsync(JamServerFixture jam)
        {
            var watcher = new Watcher { Client = await jam.ConnectAsync("moderator") };
            watcher.Client.Connection.On<ShiftAlertDto>("SentimentShift", watcher.Shifts.Enqueue);
            watcher.Client.Connection.On<SentimentUpdateDto>("SentimentUpdated", watcher.Updates.Enqueue);
            watcher.Client.Connection.On<LiveCountsDto>("LiveCounts", watcher.Counts.Enqueue);
            return watcher;
        }

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }

    private static readonly string[] Negative =
    [
        "This plan is a terrible waste of money and nobody asked for it.",
        "Honestly the rollout was a disaster and support is awful.",
        "I hate how slow and broken the approval process is.",
        "Another useless initiative that will fail like the last one.",
    ];

    private static readonly string[] Positive =
    [
        "Brilliant idea, this would really help our customers!",
        "I love this proposal, it is simple and it works.",
        "Great work, the pilot results look very promising.",
        "This is exciting and I am happy to help test it.",
    ];

    [Fact]
    public async Task A_run_of_negative_then_positive_posts_moves_the_rooms_sentiment_and_raises_one_shift_that_moderators_see()
    {
        const string room = "mental-health";
        await using var moderator = await Watcher.ConnectAsync(jam);
        await using var author = await jam.ConnectAsync();
        var negatives = new List<string>();
        foreach (var body in Negative)
        {
            negatives.Add((await author.PostAsync(room, body)).PostId);
        }

        var positives = new List<string>();
        foreach (var body in Positive.Concat(Positive))
        {
            positives.Add((await author.PostAsync(room, body)).PostId);
        }

        await author.PostAsync(room, "Wir sollten das Pilotprojekt in allen Regionen starten.");

        await Within.EventuallyAsync(() => Task.FromResult(moderator.Shifts.Any(s => s.RoomId == room)), "a shift reaches the moderator");
        var shift = moderator.Shifts.Single(s => s.RoomId == room);
        Assert.Equal("turned_constructive", shift.Kind);
        Assert.True(shift.Before.Mean < 0 && shift.After.Mean > 0, $"before {shift.Before.Mean}, after {shift.After.Mean}");
        Assert.NotEmpty(shift.PostIds);
        Assert.All(shift.PostIds, id => Assert.Contains(id, positives));

        await Within.EventuallyAsync(
            () => Task.FromResult(moderator.Updates.Any(u => u.RoomId == room && u.Bucket.Volume == 12 && u.Bucket.Unscored == 1)),
            "the room's bucket with all twelve scored posts and the German one reaches the moderator");
        Assert.Contains(moderator.Updates, u => u.RoomId is null);

        using var http = jam.Server.As(moderator.Client.Who);
        var series = await http.GetFromJsonAsync<SentimentSeriesDto>($"api/moderation/sentiment?roomId={room}").Timely();
        Assert.Equal(60, series!.BucketSeconds);
        var bucket = Assert.Single(series.Buckets);
        Assert.Equal((12, 1), (bucket.Volume, bucket.Unscored));
        Assert.InRange(bucket.ShareNegative, 4 / 12.0 - 0.001, 4 / 12.0 + 0.001);
        Assert.True(bucket.Mean > 0);

        var alerts = await http.GetFromJsonAsync<List<ShiftAlertDto>>($"api/moderation/alerts?roomId={room}").Timely();
        Assert.Equal(shift.AlertId, Assert.Single(alerts!).AlertId);
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, shift.AlertId, "sentiment_shift_raised"));
    }

    [Fact]
    public async Task Emerging_themes_are_the_terms_rising_in_a_room_with_their_volume_and_sentiment()
    {
        const string room = "energy-grids";
        await using var author = await jam.ConnectAsync();
        foreach (var body in new[]
                 {
                     "Solar microgrids could keep clinics running through outages.",
                     "We tested solar microgrids at two plants and they paid off within a year.",
                     "Solar microgrids plus battery storage would cut diesel use in remote sites.",
                     "Why not open-source the design of our solar microgrids?",
                 })
        {
            await author.PostAsync(room, body);
        }

        await using var moderator = await jam.ConnectAsync("moderator");
        using var http = jam.Server.As(moderator.Who);
        ThemesDto? themes = null;
        await Within.EventuallyAsync(
            async () => (themes = await http.GetFromJsonAsync<ThemesDto>($"api/moderation/themes?roomId={room}&window=5"))!
                .Themes.Any(t => t.Term == "solar microgrid"),
            "the phrase trends in the room");
        var theme = themes!.Themes.First(t => t.Term == "solar microgrid");
        Assert.Equal(4, theme.Volume);
        Assert.True(theme.Sentiment is not null);
        Assert.Equal((room, 5), (themes.RoomId, themes.WindowMinutes));

        var jamWide = await http.GetFromJsonAsync<ThemesDto>("api/moderation/themes?window=60").Timely();
        Assert.Contains(jamWide!.Themes, t => t.Term == "solar microgrid");
    }

    [Fact]
    public async Task Moderators_get_live_counts_of_participants_online_and_posts_per_minute()
    {
        await using var moderator = await Watcher.ConnectAsync(jam);
        await using var author = await jam.ConnectAsync();
        await author.JoinAsync("oceans");
        await author.PostAsync("oceans", "Reef sensors could warn fishers of bleaching early.");

        await Within.EventuallyAsync(
            () => Task.FromResult(moderator.Counts.Any(c => c.Online >= 2 && c.Rooms.Any(r => r is { RoomId: "oceans", Online: >= 1, PostsPerMinute: >= 1 }))),
            "live counts with both connections online and the post in its room's rate");
        using var http = jam.Server.As(moderator.Client.Who);
        var counts = await http.GetFromJsonAsync<LiveCountsDto>("api/moderation/counts").Timely();
        Assert.True(counts!.Online >= 2 && counts.PostsPerMinute >= 1);
    }

    [Theory]
    [InlineData("api/moderation/themes?window=1", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/themes?window=5000", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/themes?top=0", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/themes?roomId=no-such-room", HttpStatusCode.NotFound)]
    [InlineData("api/moderation/sentiment?from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/sentiment?from=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/sentiment?roomId=no-such-room", HttpStatusCode.NotFound)]
    [InlineData("api/moderation/alerts?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("api/moderation/alerts?roomId=no-such-room", HttpStatusCode.NotFound)]
    public async Task Bad_queries_for_moderation_figures_get_a_clear_error(string path, HttpStatusCode status)
    {
        using var http = jam.Server.As(await jam.SignInAsync("moderator"));
        var response = await http.GetAsync(path).Timely();
        Assert.Equal(status, response.StatusCode);
        Assert.NotNull(await response.Content.ReadFromJsonAsync<Infrastructure.ErrorBody>().Timely());
    }

    [Theory]
    [InlineData("participant")]
    [InlineData("executive")]
    public async Task Only_moderators_and_organizers_read_the_sentiment_themes_alerts_and_counts(string role)
    {
        using var http = jam.Server.As(await jam.SignInAsync(role));
        foreach (var path in new[] { "api/moderation/sentiment", "api/moderation/themes", "api/moderation/alerts", "api/moderation/counts" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(path).Timely()).StatusCode);
        }

        using var organizer = jam.Server.As(await jam.SignInAsync("organizer"));
        Assert.Equal(HttpStatusCode.OK, (await organizer.GetAsync("api/moderation/sentiment").Timely()).StatusCode);
    }
}
