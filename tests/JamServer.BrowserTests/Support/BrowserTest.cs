using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace JamServer.BrowserTests.Support;

public static class BrowserTest
{
    public static Task ConnectedAsync(IPage page) =>
        Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Connected");

    /// <summary>
    /// Runs a browser test; when it fails, saves a screenshot of each page under .jam/test-results/screenshots
    /// (CI keeps them) before the failure goes on.
    /// </summary>
    public static async Task ScreenshotOnFailureAsync(Func<Task> test, IReadOnlyList<JamPage> pages, [CallerMemberName] string name = "")
    {
        try
        {
            await test();
        }
        catch
        {
            var folder = Path.Combine(RepositoryRoot(), ".jam", "test-results", "screenshots");
            Directory.CreateDirectory(folder);
            for (var i = 0; i < pages.Count; i++)
            {
                try
                {
                    await pages[i].Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{i}.png"), FullPage = true });
                }
                catch (PlaywrightException)
                {
                    // A closed page has nothing to show.
                }
            }

            throw;
        }
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "JamServer.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? AppContext.BaseDirectory;
    }
}
