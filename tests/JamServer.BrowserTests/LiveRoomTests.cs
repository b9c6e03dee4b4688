using JamServer.BrowserTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class LiveRoomTests(BrowserFixture jam) : PageTests(jam)
{
    [Fact]
    public Task A_post_in_one_browser_appears_live_in_another_and_a_reply_lands_in_its_thread() =>
        RunAsync(async () =>
        {
            var ann = await SignInAsync();
            var bo = await SignInAsync();
            await ann.OpenRoomAsync("water");
            await bo.OpenRoomAsync("water");

            await ann.PostAsync("Rain gardens on every school roof");
            var onBo = bo.Page.Locator(".post", new() { HasTextString = "Rain gardens on every school roof" });
            await Expect(onBo).ToHaveCountAsync(1);
            await Expect(onBo.Locator(".author").First).ToHaveTextAsync(ann.Name);

            await onBo.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
            await bo.Page.GetByLabel("Your reply").FillAsync("Which city tried this first?");
            await bo.Page.GetByRole(AriaRole.Button, new() { Name = "Reply", Exact = true }).Last.ClickAsync();

            var thread = ann.Page.Locator(".post", new() { HasTextString = "Rain gardens on every school roof" });
            await Expect(thread.Locator("ol.replies .post .body")).ToHaveTextAsync("Which city tried this first?");
            await Expect(thread.Locator("ol.replies .post .author")).ToHaveTextAsync(bo.Name);
        });

    [Fact]
    public Task Posts_holding_markup_render_as_text_and_run_nothing() =>
        RunAsync(async () =>
        {
            var mallory = await SignInAsync();
            var reader = await SignInAsync();
            await mallory.OpenRoomAsync("cybersecurity");
            await reader.OpenRoomAsync("cybersecurity");
            var ran = false;
            reader.Page.Dialog += (_, dialog) =>
            {
                ran = true;
                _ = dialog.DismissAsync();
            };

            const string script = "<script>window.__pwned = 1; alert('script')</script>";
            const string image = "<img src=x onerror=\"window.__pwned = 2; alert('img')\">";
            await mallory.PostAsync(script);
            await mallory.PostAsync(image);

            var bodies = reader.Page.Locator(".post .body");
            await Expect(bodies.Filter(new() { HasTextString = script })).ToHaveCountAsync(1);
            await Expect(bodies.Filter(new() { HasTextString = image })).ToHaveCountAsync(1);
            Assert.Equal(0, await reader.Page.Locator(".post img, .post script").CountAsync());
            Assert.False(ran);
            Assert.Equal("undefined", await reader.Page.EvaluateAsync<string>("typeof window.__pwned"));
        });

    [Fact]
    public Task A_browser_that_was_offline_fills_the_gap_when_it_is_back_with_no_duplicates() =>
        RunAsync(async () =>
        {
            var ann = await SignInAsync();
            var bo = await SignInAsync();
            await ann.OpenRoomAsync("mobility");
            await bo.OpenRoomAsync("mobility");
            await ann.PostAsync("Before the drop");
            await Expect(bo.Page.Locator(".post .body", new() { HasTextString = "Before the drop" })).ToHaveCountAsync(1);

            await bo.Context.SetOfflineAsync(true);
            await Expect(bo.Page.Locator("#connection")).ToHaveTextAsync("Offline");
            foreach (var body in new[] { "Missed one", "Missed two", "Missed three" })
            {
                await ann.PostAsync(body);
            }

            await bo.Context.SetOfflineAsync(false);
            await BrowserTest.ConnectedAsync(bo.Page);
            await ann.PostAsync("After the drop");

            var bodies = bo.Page.Locator(".post .body");
            await Expect(bodies.Filter(new() { HasTextString = "After the drop" })).ToHaveCountAsync(1);
            var seen = await bodies.AllTextContentsAsync();
            Assert.Equal(["Before the drop", "Missed one", "Missed two", "Missed three", "After the drop"],
                seen.Where(b => b.Contains("drop", StringComparison.Ordinal) || b.StartsWith("Missed", StringComparison.Ordinal)));
            var seqs = await bo.Page.Locator(".post").EvaluateAllAsync<int[]>("posts => posts.map(p => Number(p.dataset.seq))");
            Assert.Equal(seqs.Length, seqs.Distinct().Count());
        });

    [Fact]
    public Task A_connection_the_server_side_drops_comes_back_by_itself_and_fills_the_gap() =>
        RunAsync(async () =>
        {
            var ann = await SignInAsync();
            var bo = await SignInAsync();
            // Bo's hub connection goes through a route the test can cut, as a proxy or a restarting node would.
            IWebSocketRoute? socket = null;
            await bo.Page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/hubs/jam"), ws =>
            {
                socket = ws;
                ws.ConnectToServer();
            });
            await bo.Page.ReloadAsync();
            await ann.OpenRoomAsync("smart-cities");
            await bo.OpenRoomAsync("smart-cities");
            await ann.PostAsync("Sensors on every lamp post");
            await Expect(bo.Page.Locator(".post .body", new() { HasTextString = "Sensors on every lamp post" })).ToHaveCountAsync(1);

            await socket!.CloseAsync(new() { Code = 1011, Reason = "the node went away" });
            await ann.PostAsync("Posted while Bo was cut off");
            await Expect(bo.Page.Locator("#connection")).ToHaveAttributeAsync("data-reconnects", "1");
            await Expect(bo.Page.Locator("#connection")).ToHaveTextAsync("Connected");
            await ann.PostAsync("Posted after Bo was back");

            var bodies = bo.Page.Locator(".post .body");
            await Expect(bodies.Filter(new() { HasTextString = "Posted after Bo was back" })).ToHaveCountAsync(1);
            Assert.Equal(
                ["Sensors on every lamp post", "Posted while Bo was cut off", "Posted after Bo was back"],
                await bodies.AllTextContentsAsync());
        });
}
