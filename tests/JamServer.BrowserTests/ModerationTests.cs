using JamServer.BrowserTests.Support;
using JamServer.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class ModerationTests(BrowserFixture jam) : PageTests(jam)
{
    [Fact]
    public Task A_moderator_sees_the_sentiment_chart_move_and_an_alert_after_negative_then_positive_posts() =>
        RunAsync(async () =>
        {
            var moderator = await SignInAsync("moderator");
            await moderator.Page.GotoAsync("/#/moderation");
            await moderator.Page.GetByLabel("Show").SelectOptionAsync("mental-health");
            var table = moderator.Page.Locator("#sentiment-table");
            await Expect(moderator.Page.Locator("#sentiment-chart")).ToBeVisibleAsync();

            var author = await SignInAsync();
            await author.OpenRoomAsync("mental-health");
            foreach (var body in new[]
                     {
                         "This rollout is a disaster and nobody listens to staff.",
                         "Awful, the new scheduling tool is broken and useless.",
                         "I hate how slow and painful the support process is.",
                         "Terrible idea, it will fail like the last one.",
                     })
            {
                await author.PostAsync(body);
            }

            await Within.EventuallyAsync(async () => await ScoredPostsAsync(table) == 4, "the chart's table counts the four posts");
            await Expect(table.Locator("tbody tr").First.Locator(".mean")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^-0\\."));
            var negativeMean = await LatestMeanAsync(moderator.Page);
            Assert.True(negativeMean < 0, $"after the negative posts the chart's mean is {negativeMean}");

            foreach (var body in new[]
                     {
                         "Brilliant idea, peer support circles really help.",
                         "I love this proposal, it is simple and it works.",
                         "Great work, the pilot results look very promising.",
                         "This is exciting and I am happy to help.",
                         "Wonderful, the new quiet rooms are a great success!",
                     })
            {
                await author.PostAsync(body);
            }

            await Within.EventuallyAsync(async () => await ScoredPostsAsync(table) == 9, "the chart's table counts all nine posts");
            Assert.Equal(9, await moderator.Page.Locator("#sentiment-chart").EvaluateAsync<int>(
                "canvas => canvas.dataset.volumes.split(',').reduce((sum, n) => sum + Number(n), 0)"));
            var mean = await LatestMeanAsync(moderator.Page);
            Assert.True(mean > negativeMean + 0.3, $"the chart's mean moved from {negativeMean} to {mean}");
            var alert = moderator.Page.Locator("#alerts li", new() { HasTextString = "turned constructive" });
            await Expect(alert.Filter(new() { HasTextString = "Mental health" }).First).ToBeVisibleAsync();
        });

    [Fact]
    public Task A_post_flagged_by_three_participants_disappears_for_others_and_reaches_the_flag_queue() =>
        RunAsync(async () =>
        {
            var author = await SignInAsync();
            var reader = await SignInAsync();
            var moderator = await SignInAsync("moderator");
            await author.OpenRoomAsync("our-company");
            await reader.OpenRoomAsync("our-company");
            const string body = "Buy cheap watches at spam.example, best prices!!!";
            await author.PostAsync(body);
            await Expect(reader.Page.Locator(".post .body", new() { HasTextString = body })).ToHaveCountAsync(1);

            for (var i = 0; i < 3; i++)
            {
                var flagger = await SignInAsync();
                await flagger.OpenRoomAsync("our-company");
                var post = flagger.Page.Locator(".post", new() { HasTextString = body });
                await post.GetByRole(AriaRole.Button, new() { Name = "Flag" }).ClickAsync();
                await post.GetByLabel("Why flag this post?").SelectOptionAsync("spam");
                await post.GetByRole(AriaRole.Button, new() { Name = "Flag post" }).ClickAsync();
                await Expect(flagger.Page.Locator("#toast")).ToContainTextAsync("Flagged");
            }

            await Expect(reader.Page.Locator(".post .body", new() { HasTextString = body })).ToHaveCountAsync(0);
            await Expect(reader.Page.Locator(".post.hidden .hidden-note")).ToHaveCountAsync(1);

            await moderator.Page.GotoAsync("/#/moderation");
            var queued = moderator.Page.Locator("#flags .flagged", new() { HasTextString = body });
            await Expect(queued).ToContainTextAsync("3 flags");
            await BrowserTest.AssertAccessibleAsync(moderator.Page, "moderation with a flag in the queue");
            await queued.GetByLabel("Reason").FillAsync("Advertising, not an idea");
            await queued.GetByRole(AriaRole.Button, new() { Name = "Hide" }).ClickAsync();
            await Expect(moderator.Page.Locator("#flags .flagged", new() { HasTextString = body })).ToHaveCountAsync(0);
        });

    private static async Task<double> LatestMeanAsync(IPage page)
    {
        var means = await page.Locator("#sentiment-chart").GetAttributeAsync("data-means");
        return double.Parse(means!.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The scored posts in the buckets the moderator's table shows (a run of posts may straddle two buckets).</summary>
    private static async Task<int> ScoredPostsAsync(ILocator table) =>
        (await table.Locator("tbody .volume").AllTextContentsAsync()).Sum(int.Parse);
}
