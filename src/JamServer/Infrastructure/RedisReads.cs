namespace JamServer.Infrastructure;

/// <summary>
/// Live figures read from Redis on a client's request path (support, online counts, connection counts). Redis answers
/// in a millisecond when it is well; one that stopped answering but keeps its connection open is waited for by the
/// Redis client up to its own timeout (5 s by default). A request does not wait that long for a figure it can do
/// without, and never inside the store pipeline, whose timeout would count a slow Redis against PostgreSQL's circuit.
/// </summary>
public static class RedisReads
{
    /// <summary>How long a request waits for a live figure before it answers without it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The read, or a <see cref="TimeoutException"/> after <see cref="Timeout"/>. The read left behind ends by itself at
    /// the Redis client's timeout; its failure is observed here, so it is not reported as unobserved.
    /// </summary>
    public static Task<T> WithinReadTimeout<T>(this Task<T> read)
    {
        _ = read.ContinueWith(
            static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return read.WaitAsync(Timeout);
    }
}
