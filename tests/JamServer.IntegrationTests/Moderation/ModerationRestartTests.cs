using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using JamServer.Moderation;

namespace JamServer.IntegrationTests.Moderation;

[Collection(TimingSensitiveCollection.Name)]
public sealed class ModerationRestartTests
{
    [Fact]
    public async Task A_restarted_server_rebuilds_the_moderation_figures_from_the_stored_posts_and_stores_no_shift_twice()
    {
        const string room = "water";
        await using var server = new ServerProcess("m" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Moderation__ShiftWindow"] = "00:00:20",
            ["Moderation__ShiftMinVolume"] = "3",
        });
        await server.StartAsync();
        using var anonymous = server.As();
        var moderator = await anonymous.SignInAsync("moderator");
        await using (var author = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync()))
        {
            foreach (var body in new[] { "Leaky pipes are a terrible waste.", "The water board is useless and slow.", "Awful service, broken meters." })
            {
                await author.PostAsync(room, body);
            }

            for (var i = 0; i < 6; i++)
            {
                await author.PostAsync(room, $"Greywater recycling is a brilliant, promising idea #{i}!");
            }
        }

        using var http = server.As(moderator);
        var path = $"api/moderation/sentiment?roomId={room}";
        List<ShiftAlertDto>? alerts = null;
        await Within.EventuallyAsync(
            async () => (alerts = await http.GetFromJsonAsync<List<ShiftAlertDto>>($"api/moderation/alerts?roomId={room}"))!.Count > 0,
            "the shift is stored");
        var before = await http.GetFromJsonAsync<SentimentSeriesDto>(path).Timely();
        var themesBefore = await http.GetFromJsonAsync<ThemesDto>($"api/moderation/themes?roomId={room}&window=5").Timely();

        await server.KillAsync();
        await server.StartAsync();

        SentimentSeriesDto? after = null;
        await Within.EventuallyAsync(
            async () => (await http.GetAsync(path)).IsSuccessStatusCode && (after = await http.GetFromJsonAsync<SentimentSeriesDto>(path)) is not null,
            "the figures are rebuilt");
        Assert.Equal(before!.Buckets, after!.Buckets);
        Assert.Equal(9, Assert.Single(after.Buckets).Volume);
        var themesAfter = await http.GetFromJsonAsync<ThemesDto>($"api/moderation/themes?roomId={room}&window=5").Timely();
        Assert.Equal(themesBefore!.Themes.Select(t => (t.Term, t.Volume)), themesAfter!.Themes.Select(t => (t.Term, t.Volume)));
        Assert.Contains(themesAfter.Themes, t => t.Term == "greywater recycling");
        var alertsAfter = await http.GetFromJsonAsync<List<ShiftAlertDto>>($"api/moderation/alerts?roomId={room}").Timely();
        Assert.Equal(alerts!.Select(a => a.AlertId), alertsAfter!.Select(a => a.AlertId));
    }
}
