using JamServer.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Registry;
using Polly.Timeout;

// A store call that has not committed yet is a task the test completes when it likes.
#pragma warning disable VSTHRD003

namespace JamServer.Tests.Infrastructure;

public sealed class StoreCallsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ResiliencePipelineProvider<string> PipelinesTimingOutAfter(TimeSpan timeout)
    {
        var registry = new ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder(Resilience.Store, (pipeline, _) => pipeline.AddTimeout(timeout));
        return registry;
    }

    [Fact]
    public async Task A_call_that_succeeds_in_time_is_followed_once_before_the_caller_is_answered()
    {
        var followed = 0;
        var answer = await PipelinesTimingOutAfter(TimeSpan.FromSeconds(5)).StoreThenAsync(
            _ => Task.FromResult(42),
            value =>
            {
                Interlocked.Add(ref followed, value);
                return Task.CompletedTask;
            },
            NullLogger.Instance,
            CancellationToken.None).WaitAsync(Patience);

        Assert.Equal((42, 42), (answer, followed));
    }

    [Fact]
    public async Task A_call_that_commits_after_its_caller_was_told_it_timed_out_is_still_followed_exactly_once()
    {
        var commit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var followed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var follows = 0;

        // Like Npgsql on a hung server: the call does not honour its cancellation.
        var caller = PipelinesTimingOutAfter(TimeSpan.FromMilliseconds(100)).StoreThenAsync(
            _ => commit.Task,
            value =>
            {
                Interlocked.Increment(ref follows);
                followed.TrySetResult(value);
                return Task.CompletedTask;
            },
            NullLogger.Instance,
            CancellationToken.None);

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => caller.WaitAsync(Patience));
        Assert.Equal(0, follows);

        commit.SetResult(7);
        Assert.Equal(7, await followed.Task.WaitAsync(Patience));
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, follows);
    }

    [Fact]
    public async Task A_call_whose_caller_went_away_is_still_followed_when_it_commits()
    {
        var commit = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var followed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var caller = new CancellationTokenSource();
        var call = PipelinesTimingOutAfter(TimeSpan.FromSeconds(5)).StoreThenAsync(
            _ => commit.Task, value => Task.FromResult(followed.TrySetResult(value)), NullLogger.Instance, caller.Token);

        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Patience));
        commit.SetResult("hidden");
        Assert.Equal("hidden", await followed.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_call_that_fails_is_not_followed_and_its_error_is_the_answer()
    {
        var follows = 0;
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => PipelinesTimingOutAfter(TimeSpan.FromSeconds(5)).StoreThenAsync<int>(
            _ => throw new InvalidOperationException("refused"),
            _ =>
            {
                Interlocked.Increment(ref follows);
                return Task.CompletedTask;
            },
            NullLogger.Instance,
            CancellationToken.None).WaitAsync(Patience));

        Assert.Equal(("refused", 0), (failure.Message, follows));
    }

    [Fact]
    public async Task A_follow_up_that_fails_does_not_turn_the_stored_call_into_a_failure()
    {
        var answer = await PipelinesTimingOutAfter(TimeSpan.FromSeconds(5)).StoreThenAsync(
            _ => Task.FromResult("stored"),
            _ => throw new InvalidOperationException("the push failed"),
            NullLogger.Instance,
            CancellationToken.None).WaitAsync(Patience);

        Assert.Equal("stored", answer);
    }
}
