namespace JamServer.IntegrationTests.Support;

/// <summary>Every await in these tests has a deadline, so a lost message fails the test instead of hanging it.</summary>
public static class Within
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static Task<T> Timely<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task Timely(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    /// <summary>Polls until the condition holds or the deadline passes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!await condition().Timely())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(100);
        }
    }
}
