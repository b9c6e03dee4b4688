using System.Runtime.CompilerServices;

namespace JamServer.BrowserTests.Support;

/// <summary>
/// What every browser test class shares: the people it signs in (each in a browser context of its own), closed when
/// the test ends, and a screenshot of each of their pages when it fails.
/// </summary>
public abstract class PageTests(BrowserFixture jam) : IAsyncDisposable
{
    protected BrowserFixture Jam { get; } = jam;

    protected List<JamPage> Pages { get; } = [];

    protected Task<JamPage> SignInAsync(string role = "participant") => Jam.SignInAsync(Pages, role);

    protected Task RunAsync(Func<Task> test, [CallerMemberName] string name = "") => BrowserTest.ScreenshotOnFailureAsync(test, Pages, name);

    public async ValueTask DisposeAsync()
    {
        foreach (var page in Pages)
        {
            await page.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
