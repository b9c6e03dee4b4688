using JamServer.BrowserTests.Support;
using JamServer.IntegrationTests.Identity;
using JamServer.IntegrationTests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

[Collection(ProviderBrowserCollection.Name)]
public sealed class ProviderSignInTests(ProviderBrowserFixture jam) : IAsyncDisposable
{
    private readonly List<JamPage> _pages = [];

    [Fact]
    public Task A_person_signs_in_at_the_provider_and_comes_back_with_its_name_and_role_and_posts() =>
        BrowserTest.ScreenshotOnFailureAsync(async () =>
        {
            var name = "Olivia " + JamClient.NewId()[..5];
            jam.Provider.NextUser = new ProviderUser("idp|" + JamClient.NewId(), name, [ProviderGroups.Staff, ProviderGroups.Organizers]);
            var exchanged = jam.Provider.CodesExchanged;
            var page = await OpenSignInAsync();
            // Outside demo mode there is no demo form.
            await Expect(page.GetByLabel("Role")).ToHaveCountAsync(0);
            await BrowserTest.AssertAccessibleAsync(page, "sign-in with a provider");

            await page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Rooms" })).ToBeVisibleAsync();
            await Expect(page.Locator("nav .who")).ToHaveTextAsync($"{name} (organizer)");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Organize" })).ToBeVisibleAsync();
            Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);
            Assert.Equal(exchanged + 1, jam.Provider.CodesExchanged);
            Assert.Equal(0, jam.Provider.TokenRequestsRefused);

            var person = _pages[^1] with { Name = name };
            await person.OpenRoomAsync("privacy");
            await person.PostAsync("Signed in at the provider, posting from a browser");
            await Expect(page.Locator(".post", new() { HasTextString = "Signed in at the provider" }).Locator(".author").First).ToHaveTextAsync(name);
        }, _pages);

    [Fact]
    public Task A_refusal_at_the_provider_brings_the_person_back_to_sign_in_with_why() =>
        BrowserTest.ScreenshotOnFailureAsync(async () =>
        {
            jam.Provider.NextUser = null;
            var page = await OpenSignInAsync();

            await page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton }).ClickAsync();

            await Expect(page.Locator("#signin-notice")).ToContainTextAsync("Sign-in at the provider did not work: access_denied");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton })).ToBeVisibleAsync();
            Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('jam.session')"));
        }, _pages);

    [Fact]
    public Task When_the_access_token_runs_out_the_person_is_sent_to_sign_in_again_and_told_why() =>
        BrowserTest.ScreenshotOnFailureAsync(async () =>
        {
            jam.Provider.NextUser = new ProviderUser("idp|" + JamClient.NewId(), "Sam " + JamClient.NewId()[..5], [ProviderGroups.Staff]);
            jam.Provider.AccessTokenLifetime = TimeSpan.FromSeconds(8);
            try
            {
                var page = await OpenSignInAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" })).ToBeVisibleAsync();

                await Expect(page.Locator("#signin-notice")).ToHaveTextAsync("Your sign-in has expired. Sign in again to go on.", new() { Timeout = 30_000 });
                Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('jam.session')"));

                jam.Provider.AccessTokenLifetime = TimeSpan.FromHours(1);
                await page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" })).ToBeVisibleAsync();
            }
            finally
            {
                jam.Provider.AccessTokenLifetime = TimeSpan.FromHours(1);
            }
        }, _pages);

    [Fact]
    public Task With_refresh_tokens_an_access_token_about_to_run_out_is_renewed_without_leaving_the_page() =>
        BrowserTest.ScreenshotOnFailureAsync(async () =>
        {
            var name = "Rhea " + JamClient.NewId()[..5];
            jam.Provider.NextUser = new ProviderUser("idp|" + JamClient.NewId(), name, [ProviderGroups.Staff]);
            // The client renews a minute before the end: a 70 s token is renewed after about 10 s.
            jam.Provider.AccessTokenLifetime = TimeSpan.FromSeconds(70);
            jam.Provider.IssuesRefreshTokens = true;
            try
            {
                var refreshes = jam.Provider.Refreshes;
                var page = await OpenSignInAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton }).ClickAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" }).ClickAsync();
                var first = await SessionTokenAsync(page);

                await Expect(page.Locator("nav .who")).ToHaveTextAsync($"{name} (participant)");
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
                while (await SessionTokenAsync(page) == first && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(500);
                }

                Assert.NotEqual(first, await SessionTokenAsync(page));
                Assert.True(jam.Provider.Refreshes > refreshes);
                var person = _pages[^1] with { Name = name };
                await person.OpenRoomAsync("energy-grids");
                await person.PostAsync("Still here on a renewed token");
            }
            finally
            {
                jam.Provider.AccessTokenLifetime = TimeSpan.FromHours(1);
                jam.Provider.IssuesRefreshTokens = false;
            }
        }, _pages);

    private static Task<string?> SessionTokenAsync(IPage page) =>
        page.EvaluateAsync<string?>("JSON.parse(sessionStorage.getItem('jam.session') ?? 'null')?.token ?? null");

    private async Task<IPage> OpenSignInAsync()
    {
        var context = await jam.Browser.NewContextAsync(new() { BaseURL = jam.Server.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        _pages.Add(new JamPage(context, page, "At the provider"));
        await page.GotoAsync("/#/signin");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = jam.SignInButton })).ToBeVisibleAsync();
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var page in _pages)
        {
            await page.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
