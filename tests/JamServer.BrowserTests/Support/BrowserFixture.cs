using JamServer.IntegrationTests.Support;
using Microsoft.Playwright;

namespace JamServer.BrowserTests.Support;

/// <summary>
/// One server (one fresh jam) and one Debian Chromium per test collection; each user is a browser context of its own,
/// as a separate person's browser would be.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public BrowserFixture()
        : this(new Dictionary<string, string>
        {
            // A small-scale shift rule, so a handful of posts can turn a room's mood.
            ["Moderation__ShiftWindow"] = "00:00:30",
            ["Moderation__ShiftMinVolume"] = "3",
            ["Moderation__BucketSize"] = "01:00:00",
        })
    {
    }

    protected BrowserFixture(IDictionary<string, string> settings)
    {
        Server = new ServerProcess("b" + JamClient.NewId()[..10], settings);
    }

    /// <summary>Debian's Chromium: Playwright's own browser download is impossible here.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("JAM_CHROMIUM") ?? "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public ServerProcess Server { get; }

    public IBrowser Browser { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {ChromiumPath}: ./jam test installs Debian's chromium package.");
        }

        await Server.StartAsync();
        using (var http = Server.As())
        {
            var root = await http.GetAsync(new Uri("/", UriKind.Relative));
            if (root.Content.Headers.ContentType?.MediaType != "text/html")
            {
                throw new InvalidOperationException("The server does not serve the web client: build it first (./jam test does).");
            }
        }

        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // As root on a machine with a closed network: no sandbox, no background calls home.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>
    /// A new person in a new browser context, signed in through the page and past the guidelines; added to
    /// <paramref name="pages"/> as soon as it opens, so a failed sign-in still leaves a screenshot.
    /// </summary>
    public async Task<JamPage> SignInAsync(List<JamPage> pages, string role = "participant", string? name = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.BaseAddress.ToString() });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var person = new JamPage(context, page, name ?? $"{char.ToUpperInvariant(role[0])}{role[1..]} {JamClient.NewId()[..5]}");
        pages.Add(person);
        await page.GotoAsync("/#/signin");
        await page.GetByLabel("Your name").FillAsync(person.Name);
        await page.GetByLabel("Role").SelectOptionAsync(role);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I accept the guidelines" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Rooms" }).WaitForAsync();
        return person;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "A live jam in a browser";
}

/// <summary>One person's browser: their context, their page and the name they signed in with.</summary>
public sealed record JamPage(IBrowserContext Context, IPage Page, string Name) : IAsyncDisposable
{
    public async Task OpenRoomAsync(string roomId)
    {
        await Page.GotoAsync($"/#/rooms/{roomId}");
        await Page.Locator("#threads").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await BrowserTest.ConnectedAsync(Page);
    }

    public async Task PostAsync(string body)
    {
        await Page.GetByLabel("Start a thread").FillAsync(body);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Post", Exact = true }).ClickAsync();
        await Page.Locator(".post .body", new() { HasTextString = body }).First.WaitForAsync();
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
