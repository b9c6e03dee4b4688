using System.Diagnostics;
using JamServer.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Registry;

namespace JamServer.Tests.Infrastructure;

public sealed class BatchWriterStopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A writer whose commits wait for <see cref="Release"/>, ignoring cancellation as Npgsql does on a hung server.</summary>
    private sealed class Writer(ResiliencePipelineProvider<string> pipelines, JamMetrics metrics, bool hangs)
        : BatchWriter<string, string, string>(pipelines, maxBatch: 16, partitions: 2, metrics, NullLogger.Instance)
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Committed;

        protected override string Noun => "note";

        protected override bool RetriesTransientErrors => false;

        protected override string PartitionKey(string command) => command;

        protected override async Task<Outcome[]> CommitAsync(int partition, IReadOnlyList<string> batch, CancellationToken ct)
        {
            if (hangs)
            {
#pragma warning disable VSTHRD003 // The hung server's commit: started by the test, awaited here on purpose.
                await Release.Task;
#pragma warning restore VSTHRD003
            }

            Interlocked.Add(ref Committed, batch.Count);
            return batch.Select(c => new Outcome("ack " + c, c, null)).ToArray();
        }
    }

    private static (ServiceProvider Services, Writer Writer) Start(bool hangs)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new ResiliencePipelineRegistry<string>();
        registry.TryAddBuilder(Resilience.Store, (pipeline, _) => pipeline.AddTimeout(Resilience.AttemptTimeout));
        var writer = new Writer(registry, new JamMetrics(services.GetRequiredService<IMeterFactory>()), hangs);
        return (services, writer);
    }

    [Fact]
    public async Task A_writer_whose_commit_hangs_stops_within_its_budget_and_answers_its_commands_UNAVAILABLE()
    {
        var (services, writer) = Start(hangs: true);
        using var _ = services;
        using var __ = writer;
        await writer.StartAsync(CancellationToken.None);
        var writes = Enumerable.Range(0, 20).Select(i => writer.WriteAsync("note " + i, CancellationToken.None)).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(200));

        var stopping = Stopwatch.StartNew();
        await writer.StopAsync(CancellationToken.None).WaitAsync(Patience);
        var stoppedIn = stopping.Elapsed;

        Assert.InRange(stoppedIn, TimeSpan.Zero, BatchWriter<string, string, string>.StopWithin + TimeSpan.FromSeconds(1.5));
        foreach (var write in writes)
        {
            var refused = await Assert.ThrowsAsync<JamException>(() => write.WaitAsync(Patience));
            Assert.Equal(ErrorCodes.Unavailable, refused.Code);
        }

        writer.Release.SetResult();
    }

    [Fact]
    public async Task A_writer_stopping_with_a_store_that_answers_writes_and_acknowledges_everything_it_holds()
    {
        var (services, writer) = Start(hangs: false);
        using var _ = services;
        using var __ = writer;
        await writer.StartAsync(CancellationToken.None);
        var writes = Enumerable.Range(0, 500).Select(i => writer.WriteAsync("note " + i, CancellationToken.None)).ToList();

        await writer.StopAsync(CancellationToken.None).WaitAsync(Patience);

        var acks = await Task.WhenAll(writes).WaitAsync(Patience);
        Assert.Equal(500, acks.Distinct().Count());
        Assert.Equal(500, writer.Committed);
    }
}
