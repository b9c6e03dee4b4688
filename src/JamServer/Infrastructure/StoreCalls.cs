using Polly.Registry;

namespace JamServer.Infrastructure;

/// <summary>Calls to the store whose commit is followed by work elsewhere: a push to clients, the live ranking.</summary>
public static partial class StoreCalls
{
    /// <summary>
    /// Runs <paramref name="call"/> through the <see cref="Resilience.Store"/> pipeline like
    /// <see cref="Resilience.StoreAsync{T}"/>, and runs <paramref name="afterCommit"/> exactly once whenever the call
    /// succeeds: before the answer when it succeeds in time, and also when it succeeds only after the caller was told
    /// UNAVAILABLE (a hung server's call is left running, and may commit later) or after the caller went away. What
    /// follows a commit never turns it into a failure: its errors are logged. A call that fails is not followed.
    /// </summary>
    public static async Task<T> StoreThenAsync<T>(
        this ResiliencePipelineProvider<string> pipelines,
        Func<CancellationToken, Task<T>> call,
        Func<T, Task> afterCommit,
        ILogger log,
        CancellationToken ct)
    {
        Task? followed = null;
        var result = await pipelines.GetPipeline(Resilience.Store).ExecuteAsync(
            async token =>
            {
                var stored = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                followed = CallThenFollowAsync(call, stored, afterCommit, log, token);
                return await stored.Task.WaitAsync(token);
            },
            ct);

        // The store pipeline does not retry, so this is the follow-up of the call that succeeded.
        if (followed is not null)
        {
            await followed.WaitAsync(ct);
        }

        return result;
    }

    /// <summary>The call, its outcome into <paramref name="stored"/> (the caller's answer), then what follows a success.</summary>
    private static async Task CallThenFollowAsync<T>(
        Func<CancellationToken, Task<T>> call, TaskCompletionSource<T> stored, Func<T, Task> afterCommit, ILogger log, CancellationToken ct)
    {
        T value;
        try
        {
            value = await call(ct);
        }
        catch (Exception ex)
        {
            // Not stored, or not known to be: the caller is told (unless it stopped waiting), and nothing follows.
            if (ct.IsCancellationRequested)
            {
                stored.TrySetCanceled(ct);
            }
            else
            {
                stored.TrySetException(ex);
            }

            return;
        }

        stored.TrySetResult(value);
        try
        {
            await afterCommit(value);
        }
        catch (Exception ex)
        {
            LogAfterCommitFailed(log, ex);
        }
    }

    [LoggerMessage(LogLevel.Error, "A change is stored, but what follows its commit failed")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception ex);
}
