using System.Runtime.CompilerServices;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

// One browser and one server at a time on the machine's two cores: collections run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace JamServer.BrowserTests.Support;

public static class BrowserTest
{
    /// <summary>axe-core's checks (contrast, labels, names, landmarks, ARIA) on the page as it is now: no violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var results = await page.RunAxe();
        var violations = results.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))}");
        Assert.True(results.Violations.Length == 0, $"{where}:\n{string.Join("\n", violations)}");
    }

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
