using JamServer.BrowserTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture jam) : PageTests(jam)
{
    [Fact]
    public Task Every_page_passes_an_accessibility_check() =>
        RunAsync(async () =>
        {
            var organizer = await Jam.SignInAsync(Pages, "organizer");
            var page = organizer.Page;
            await BrowserTest.AssertAccessibleAsync(page, "rooms");
            await organizer.OpenRoomAsync("water");
            await organizer.PostAsync("Accessibility matters in every room.");
            await BrowserTest.AssertAccessibleAsync(page, "a room");
            foreach (var (path, heading) in new[] { ("vote", "Proposals"), ("moderation", "Moderation"), ("shortlist", "Shortlist"), ("organize", "Organize") })
            {
                await page.GotoAsync($"/#/{path}");
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
                await BrowserTest.AssertAccessibleAsync(page, path);
            }

            var link = await InviteTests.CreateInviteAsync(page);
            await BrowserTest.AssertAccessibleAsync(page, "organize, an invite made");

            var context = await Jam.Browser.NewContextAsync(new() { BaseURL = Jam.Server.BaseAddress.ToString() });
            var newcomer = await context.NewPageAsync();
            Pages.Add(new JamPage(context, newcomer, "Newcomer"));
            await newcomer.GotoAsync(link);
            await Expect(newcomer.GetByRole(AriaRole.Heading, new() { Name = "You are invited" })).ToBeVisibleAsync();
            await BrowserTest.AssertAccessibleAsync(newcomer, "invite");
            await newcomer.GotoAsync("/#/invite/JAM-00000000");
            await newcomer.GetByLabel("Your name").FillAsync("Newcomer");
            await newcomer.GetByRole(AriaRole.Button, new() { Name = "Join the jam" }).ClickAsync();
            await Expect(newcomer.Locator("#invite-error")).ToHaveAttributeAsync("data-code", "NOT_FOUND");
            await BrowserTest.AssertAccessibleAsync(newcomer, "invite, refused");
            await newcomer.GotoAsync("/#/signin");
            await Expect(newcomer.GetByLabel("Your name")).ToBeVisibleAsync();
            await BrowserTest.AssertAccessibleAsync(newcomer, "sign-in");
            await newcomer.GetByLabel("Your name").FillAsync("Newcomer");
            await newcomer.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(newcomer.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" })).ToBeVisibleAsync();
            await BrowserTest.AssertAccessibleAsync(newcomer, "guidelines");
        });

    [Fact]
    public Task A_participant_signs_in_joins_a_room_and_posts_with_the_keyboard_alone() =>
        RunAsync(async () =>
        {
            var context = await Jam.Browser.NewContextAsync(new() { BaseURL = Jam.Server.BaseAddress.ToString() });
            var page = await context.NewPageAsync();
            Pages.Add(new JamPage(context, page, "Keyboard user"));
            await page.GotoAsync("/#/signin");
            await Expect(page.GetByLabel("Your name")).ToBeFocusedAsync();
            var keys = page.Keyboard;
            await keys.TypeAsync("Keyboard user");
            await keys.PressAsync("Enter");
            // The guidelines' accept button has the focus.
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" })).ToBeFocusedAsync();
            await keys.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Rooms" })).ToBeVisibleAsync();

            await TabToAsync(page, "a[href='#/rooms/water']");
            await keys.PressAsync("Enter");
            await Expect(page.GetByLabel("Start a thread")).ToBeVisibleAsync();
            await TabToAsync(page, "#compose-thread");
            await keys.TypeAsync("Typed without a mouse");
            await keys.PressAsync("Tab");
            await keys.PressAsync("Enter");
            await Expect(page.Locator(".post .body", new() { HasTextString = "Typed without a mouse" })).ToHaveCountAsync(1);
        });

    [Fact]
    public Task Rooms_and_a_room_fit_a_phone_screen() =>
        RunAsync(async () =>
        {
            var person = await SignInAsync();
            await person.Page.SetViewportSizeAsync(390, 844);
            await AssertFitsAsync(person.Page, "rooms");
            await person.OpenRoomAsync("water");
            await person.PostAsync("A long word on a small screen: " + new string('x', 120));
            await AssertFitsAsync(person.Page, "a room");
        });

    private static async Task AssertFitsAsync(IPage page, string where)
    {
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{where} is {overflow} px wider than the phone's screen");
    }

    /// <summary>Presses Tab until the element matching <paramref name="selector"/> has the focus (at most 100 times).</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        throw new InvalidOperationException($"Tab never reached {selector}.");
    }
}
