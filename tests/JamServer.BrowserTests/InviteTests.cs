using JamServer.BrowserTests.Support;
using JamServer.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class InviteTests(BrowserFixture jam) : PageTests(jam)
{
    [Fact]
    public Task An_organizer_invites_a_guest_who_opens_the_link_picks_a_name_and_posts_and_the_used_up_link_says_so() =>
        RunAsync(async () =>
        {
            var organizer = await SignInAsync("organizer");
            var link = await CreateInviteAsync(organizer.Page, kind: "customer", uses: 1);

            var name = "Carla " + JamClient.NewId()[..5];
            var guest = await OpenAsync(link, name);
            await guest.Page.GetByRole(AriaRole.Button, new() { Name = "Join the jam" }).ClickAsync();
            await guest.Page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" }).ClickAsync();
            await Expect(guest.Page.GetByRole(AriaRole.Heading, new() { Name = "Rooms" })).ToBeVisibleAsync();
            await Expect(guest.Page.Locator("nav .who")).ToHaveTextAsync($"{name} (participant)");
            await guest.OpenRoomAsync("water");
            await guest.PostAsync("Guests can post too");
            var post = organizer.Page.Locator(".post", new() { HasTextString = "Guests can post too" });
            await organizer.OpenRoomAsync("water");
            await Expect(post.Locator(".author").First).ToHaveTextAsync(name);

            var late = await OpenAsync(link, "Too late");
            await late.Page.GetByRole(AriaRole.Button, new() { Name = "Join the jam" }).ClickAsync();
            var error = late.Page.GetByRole(AriaRole.Alert).Filter(new() { HasTextString = "used as often as it may be" });
            await Expect(error).ToHaveAttributeAsync("data-code", "INVITE_USED_UP");
            await Expect(late.Page.GetByRole(AriaRole.Heading, new() { Name = "You are invited" })).ToBeVisibleAsync();
            Assert.Null(await late.Page.EvaluateAsync<string?>("sessionStorage.getItem('jam.session')"));
        });

    [Fact]
    public Task A_code_that_does_not_exist_and_an_empty_name_are_each_said_clearly() =>
        RunAsync(async () =>
        {
            var stranger = await OpenAsync("/#/invite/JAM-00000000-00000000-00000000-00000000", "Stranger");
            await stranger.Page.GetByRole(AriaRole.Button, new() { Name = "Join the jam" }).ClickAsync();
            await Expect(stranger.Page.Locator("#invite-error")).ToHaveAttributeAsync("data-code", "NOT_FOUND");
            await Expect(stranger.Page.Locator("#invite-error")).ToContainTextAsync("not valid");

            // The browser's own check is off, so the server's answer is what shows.
            await stranger.Page.Locator("form").EvaluateAsync("form => form.noValidate = true");
            await stranger.Page.GetByLabel("Your name").FillAsync("   ");
            await stranger.Page.GetByRole(AriaRole.Button, new() { Name = "Join the jam" }).ClickAsync();
            await Expect(stranger.Page.Locator("#invite-error")).ToHaveAttributeAsync("data-code", "INVALID_INPUT");
            await Expect(stranger.Page.Locator("#invite-error")).ToContainTextAsync("displayName");
            await Expect(stranger.Page.GetByLabel("Your name")).ToHaveAttributeAsync("aria-invalid", "true");
        });

    /// <summary>Through the organizer view: the link it shows to copy.</summary>
    public static async Task<string> CreateInviteAsync(IPage organizer, string kind = "guest", int uses = 1)
    {
        await organizer.GotoAsync("/#/organize");
        await organizer.GetByLabel("They are").SelectOptionAsync(kind);
        await organizer.GetByLabel("How many people may use it").FillAsync(uses.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await organizer.GetByRole(AriaRole.Button, new() { Name = "Create invite" }).ClickAsync();
        var code = await organizer.Locator("#invite-code").TextContentAsync();
        var link = await organizer.GetByLabel("Invite link").InputValueAsync();
        Assert.EndsWith("/#/invite/" + code, link, StringComparison.Ordinal);
        return link;
    }

    /// <summary>A new person's browser on an invite link, their name typed in.</summary>
    private async Task<JamPage> OpenAsync(string link, string name)
    {
        var context = await Jam.Browser.NewContextAsync(new() { BaseURL = Jam.Server.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var person = new JamPage(context, page, name);
        Pages.Add(person);
        await page.GotoAsync(link);
        await page.GetByLabel("Your name").FillAsync(name);
        return person;
    }
}
