using System.Diagnostics;
using System.Threading.Channels;
using Polly;
using Polly.Registry;

namespace JamServer.Infrastructure;

/// <summary>
/// The writer of a kind of write (posts, votes) on one node. Concurrent commands queue here and are committed in
/// batches: one transaction (one WAL flush) for everything that arrived meanwhile. A command is acknowledged only
/// after its transaction committed. A conflict with another node decides the batch again on fresh state; a batch the
/// store keeps refusing is split so that one bad command cannot fail the others.
/// Commands are spread over <c>partitions</c> queues by their key (a room, a voter), each with its own loop, so
/// several transactions are in flight at once while one key's commands stay in order and never race each other.
/// </summary>
public abstract partial class BatchWriter<TCommand, TAck, TFact>(
    ResiliencePipelineProvider<string> pipelines, int maxBatch, int partitions, JamMetrics metrics, ILogger log) : BackgroundService
    where TAck : class
    where TFact : class
{
    /// <summary>Tries on fresh state when another node wrote to the same streams meanwhile.</summary>
    private const int MaxConflictAttempts = 8;

    private readonly Channel<Pending>[] _queues = Enumerable.Range(0, partitions)
        .Select(_ => Channel.CreateBounded<Pending>(new BoundedChannelOptions(10_000) { SingleReader = true }))
        .ToArray();

    // Set while a partition's batch has run longer than the store's attempt timeout: the store hangs.
    private readonly bool[] _stuck = new bool[partitions];

    /// <summary>What one command came to: an acknowledgement with the fact committed for it, or a refusal.</summary>
    public sealed record Outcome(TAck? Ack, TFact? Fact, JamException? Error);

    /// <summary>"post", "vote": for the messages that ask a client to send again.</summary>
    protected abstract string Noun { get; }

    public async Task<TAck> WriteAsync(TCommand command, CancellationToken ct)
    {
        var pending = new Pending(
            command, new TaskCompletionSource<TAck>(TaskCreationOptions.RunContinuationsAsynchronously), Activity.Current?.Context ?? default);
        var partition = (int)((uint)StringComparer.Ordinal.GetHashCode(PartitionKey(command)) % (uint)_queues.Length);
        if (Volatile.Read(ref _stuck[partition]))
        {
            // Not queued, so never stored: better said now than after the stuck batch gives up.
            throw Unavailable(Resilience.BreakDuration);
        }

        try
        {
            await _queues[partition].Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw ShuttingDown();
        }

        // Registered after queueing: a stop that gave up before answers at once.
        using var stopped = _givenUp.Token.Register(() => pending.Done.TrySetException(ShuttingDown()));

        try
        {
            return await pending.Done.Task.WaitAsync(AnswerWithin, ct);
        }
        catch (TimeoutException)
        {
            // Still queued (then never tried: the loop skips it) or in a batch whose commit is slow: not answered in
            // time is answered UNAVAILABLE, and a resend finds the command if it was stored after all.
            var unavailable = Unavailable(Resilience.BreakDuration);
            if (pending.Done.TrySetException(unavailable))
            {
                throw unavailable;
            }

            return await pending.Done.Task.WaitAsync(ct);
        }
    }

    /// <summary>The longest a writer waits for its answer: a batch's attempt timeout and a little queueing.</summary>
    private static readonly TimeSpan AnswerWithin = Resilience.AttemptTimeout + TimeSpan.FromSeconds(1);

    /// <summary>Commands with one key are written by one loop, in the order they came.</summary>
    protected abstract string PartitionKey(TCommand command);

    /// <summary>
    /// Decides the batch on the stored state and commits it in one transaction; one outcome per command. Calls for
    /// different partitions run at the same time.
    /// </summary>
    protected abstract Task<Outcome[]> CommitAsync(int partition, IReadOnlyList<TCommand> batch, CancellationToken ct);

    /// <summary>After the commit and before the acknowledgements: hand the committed facts on, in commit order.</summary>
    protected virtual Task AfterCommitAsync(int partition, IReadOnlyList<Outcome> outcomes) => Task.CompletedTask;

    /// <summary>Whatever this partition's loop remembers of the store may be stale now.</summary>
    protected virtual void Forget(int partition)
    {
    }

    /// <summary>
    /// Whether a transient store error is retried by the store-write pipeline. Only for commands a retry cannot
    /// apply twice (posts carry a client id); a retry after a commit whose answer was lost would decide them again.
    /// </summary>
    protected virtual bool RetriesTransientErrors => true;

    /// <summary>The batch failed and may or may not have been committed.</summary>
    protected virtual void OnUncertain()
    {
    }

    /// <summary>A store error that refuses the whole batch by a rule (not a fault), or null.</summary>
    protected virtual JamException? RefusalOf(Exception ex) => null;

    /// <summary>
    /// Takes no more commands and lets each loop write and acknowledge what it holds before the node stops, for
    /// <see cref="StopWithin"/> at most: a commit hanging in a store that stopped answering must not take the stop's
    /// whole time from the services that stop after this one (the post writer and the fan-out among them). Whatever is
    /// still unanswered then, in a batch or queued, is answered UNAVAILABLE; a batch that commits later is found by
    /// its resend.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(StopWithin);
        if (ExecuteTask is { } loops)
        {
            await loops.WaitAsync(budget.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            // Cancels the loops; a loop held by a hung commit is not waited for beyond the budget.
            await base.StopAsync(budget.Token);
        }
        finally
        {
            await _givenUp.CancelAsync();
        }
    }

    /// <summary>The longest a writer's stop waits for its loops, as <c>LiveTally.StopAsync</c> does.</summary>
    public static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(3);

    // Cancelled once the stop is over: answers every command still waiting.
    private readonly CancellationTokenSource _givenUp = new();

    public override void Dispose()
    {
        _givenUp.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private JamException ShuttingDown() => new(ErrorCodes.Unavailable, $"The server is shutting down; send the {Noun} again.");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _queues.Length).Select(p => Task.Run(() => LoopAsync(p, stoppingToken), CancellationToken.None)));

    private async Task LoopAsync(int partition, CancellationToken stoppingToken)
    {
        var queue = _queues[partition];
        var batch = new List<Pending>(maxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < maxBatch && queue.Reader.TryRead(out var pending))
                {
                    // A command whose writer was already answered (it waited too long) is not written.
                    if (!pending.Done.Task.IsCompleted)
                    {
                        batch.Add(pending);
                    }
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                await WriteBatchAsync(partition, batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: nothing below was stored, so nothing is acknowledged.
        }
        finally
        {
            queue.Writer.TryComplete();
            var unavailable = ShuttingDown();
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(unavailable);
            }

            while (queue.Reader.TryRead(out var pending))
            {
                pending.Done.TrySetException(unavailable);
            }
        }
    }

    private async Task WriteBatchAsync(int partition, IReadOnlyList<Pending> batch, CancellationToken ct)
    {
        Outcome[] outcomes;
        var pipeline = pipelines.GetPipeline(RetriesTransientErrors ? Resilience.StoreWrite : Resilience.Store);
        var commands = batch.Select(p => p.Command).ToList();
        var refusedOnce = false;
        using var span = StartCommitSpan(batch);
        Func<Task<Outcome[]>> commit = () =>
            pipeline.ExecuteAsync(token => new ValueTask<Outcome[]>(TimedCommitAsync(partition, commands, token)), ct).AsTask();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await CommitWatchedAsync(partition, batch, commit, ct) is not { } committed)
                {
                    return;
                }

                outcomes = committed;
                break;
            }
            catch (Exception ex) when (RefusalOf(ex) is { } refusal)
            {
                Forget(partition);
                if (!refusedOnce)
                {
                    // Decided on a stale phase: decide once more on the stored one, so that each command gets its own
                    // answer (a resend of a stored command its first ack) rather than the refusal of the whole batch.
                    refusedOnce = true;
                    continue;
                }

                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(refusal);
                }

                return;
            }
            catch (Exception ex) when (Resilience.IsConflict(ex))
            {
                // Another node wrote to the same streams (or a command was resent meanwhile): decide again on fresh
                // state after a short random pause, so that two nodes writing to one stream take turns.
                Forget(partition);
                if (attempt < MaxConflictAttempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct);
                    continue;
                }

                if (batch.Count > 1)
                {
                    await WriteOneByOneAsync(partition, batch, ct);
                    return;
                }

                LogConflict(log, ex, Noun);
                batch[0].Done.TrySetException(new JamException(ErrorCodes.Unavailable, $"Too many writes at once; send the {Noun} again."));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Forget(partition);
                if (batch.Count > 1 && !Resilience.IsUnavailable(ex))
                {
                    // Not the store being away: find the one command the store refuses rather than fail them all.
                    await WriteOneByOneAsync(partition, batch, ct);
                    return;
                }

                LogBatchFailed(log, ex, batch.Count, Noun);
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                OnUncertain();
                var unavailable = Unavailable(Resilience.RetryAfter(ex));
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(unavailable);
                }

                if (Resilience.IsAway(ex))
                {
                    // Timed out or refused by the open circuit: what queued meanwhile would only wait to fail in turn.
                    FailWaiting(partition, unavailable);
                }

                return;
            }
        }

        metrics.Written(Noun, CountFacts(outcomes));
        try
        {
            await AfterCommitAsync(partition, outcomes);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Committed all the same: what follows a commit must not turn it into a failure.
            LogAfterCommitFailed(log, ex, Noun);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                batch[i].Done.TrySetException(error);
            }
            else
            {
                batch[i].Done.TrySetResult(outcomes[i].Ack!);
            }
        }
    }

    /// <summary>
    /// The batch's outcomes, or null when the store hung: a commit still running after the attempt timeout waits for a
    /// server that stopped answering (Npgsql's cancellation waits for the server too, up to its command timeout). Its
    /// callers are told UNAVAILABLE at once, as are those queued behind it and those who come while it hangs; the loop
    /// waits for the commit to end, so this partition's state is never touched by two batches at once. Should it
    /// commit after all, its facts are handed on as usual and the callers' resends find them.
    /// </summary>
    private async Task<Outcome[]?> CommitWatchedAsync(int partition, IReadOnlyList<Pending> batch, Func<Task<Outcome[]>> start, CancellationToken ct)
    {
        var commit = start();
        using (var watch = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var patience = Task.Delay(Resilience.AttemptTimeout + TimeSpan.FromMilliseconds(500), watch.Token);
            if (await Task.WhenAny(commit, patience) == commit)
            {
                await watch.CancelAsync();
                return await commit;
            }
        }

        Volatile.Write(ref _stuck[partition], true);
        try
        {
            LogStuck(log, batch.Count, Noun);
            OnUncertain();
            var unavailable = Unavailable(Resilience.BreakDuration);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(unavailable);
            }

            FailWaiting(partition, unavailable);
            try
            {
                var outcomes = await commit;
                metrics.Written(Noun, CountFacts(outcomes));
                await AfterCommitAsync(partition, outcomes);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Forget(partition);
                LogBatchFailed(log, ex, batch.Count, Noun);
            }

            return null;
        }
        finally
        {
            FailWaiting(partition, Unavailable(Resilience.BreakDuration));
            Volatile.Write(ref _stuck[partition], false);
        }
    }

    /// <summary>One try of a batch's transaction, timed for jam.store.commit.duration.</summary>
    private async Task<Outcome[]> TimedCommitAsync(int partition, List<TCommand> commands, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            var outcomes = await CommitAsync(partition, commands, ct);
            succeeded = true;
            return outcomes;
        }
        finally
        {
            metrics.StoreCommitted(Noun, commands.Count, Stopwatch.GetElapsedTime(started), succeeded);
        }
    }

    /// <summary>
    /// A span for the batch, linked to the spans of the calls whose commands it holds (a batch serves many traces, so
    /// it is the child of none); Npgsql's spans of the transaction are its children. Null while traces are not exported.
    /// </summary>
    private Activity? StartCommitSpan(IReadOnlyList<Pending> batch)
    {
        if (!JamMetrics.Tracing.HasListeners())
        {
            return null;
        }

        var links = batch.Where(p => p.Caller != default).Take(MaxLinks).Select(p => new ActivityLink(p.Caller)).ToList();
        var span = JamMetrics.Tracing.StartActivity($"commit {Noun}s", ActivityKind.Internal, default(ActivityContext), links: links);
        span?.SetTag("jam.batch.size", batch.Count);
        return span;
    }

    /// <summary>OpenTelemetry's default limit of links on a span.</summary>
    private const int MaxLinks = 128;

    private static int CountFacts(Outcome[] outcomes)
    {
        var count = 0;
        foreach (var outcome in outcomes)
        {
            if (outcome.Fact is not null)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Answers every command still queued in the partition: none of them was tried, so none is stored.</summary>
    private void FailWaiting(int partition, JamException unavailable)
    {
        while (_queues[partition].Reader.TryRead(out var waiting))
        {
            waiting.Done.TrySetException(unavailable);
        }
    }

    private JamException Unavailable(TimeSpan retryAfter) => new(
        ErrorCodes.Unavailable,
        $"The store is unavailable; send the {Noun} again after {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.");

    private async Task WriteOneByOneAsync(int partition, IReadOnlyList<Pending> batch, CancellationToken ct)
    {
        foreach (var pending in batch)
        {
            await WriteBatchAsync(partition, [pending], ct);
        }
    }

    [LoggerMessage(LogLevel.Warning, "A {Noun} kept conflicting with other writers; the client is asked to resend")]
    private static partial void LogConflict(ILogger logger, Exception ex, string noun);

    [LoggerMessage(LogLevel.Error, "A batch of {Count} writes ({Noun}) could not be stored")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, int count, string noun);

    [LoggerMessage(LogLevel.Error, "A batch of {Count} writes ({Noun}) hangs in the store; its writers and those queued are told to resend")]
    private static partial void LogStuck(ILogger logger, int count, string noun);

    [LoggerMessage(LogLevel.Error, "A batch of {Noun} writes is committed, but handing it on failed")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception ex, string noun);

    /// <summary>A command, its writer's answer, and the span of the call that sent it (default when none).</summary>
    private sealed record Pending(TCommand Command, TaskCompletionSource<TAck> Done, ActivityContext Caller);
}
