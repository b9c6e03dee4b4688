using System.Diagnostics;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>One participant floods a room; the rate limits keep another participant's posts in that room as quick as before.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class FloodTests(ITestOutputHelper output)
{
    private const string Room = "water";
    private const int Samples = 60;
    private const int FloodConnections = 4;
    private const int CallsInFlightPerConnection = 2;

    [Fact]
    public async Task A_flooding_participant_is_rate_limited_and_does_not_slow_another_participants_posts_measurably()
    {
        await using var server = new ServerProcess("f" + JamClient.NewId()[..10]);
        await server.StartAsync();
        await using var measurer = await JamClient.ConnectAsync(server.BaseAddress, await SignInAsync(server));
        await measurer.JoinAsync(Room);
        await MeasureAsync(measurer, 5); // warm-up: JIT, connection pools
        var baseline = await MeasureAsync(measurer, Samples);

        var flooder = await SignInAsync(server);
        var floods = new List<JamClient>();
        for (var i = 0; i < FloodConnections; i++)
        {
            floods.Add(await JamClient.ConnectAsync(server.BaseAddress, flooder, acceptGuidelines: i == 0));
        }

        var outcomes = new FloodOutcomes();
        using var stop = new CancellationTokenSource();
        var target = (await measurer.PostAsync(Room, "Flag me if you must")).PostId;
        var flooding = floods.SelectMany(f => Enumerable.Range(0, CallsInFlightPerConnection).Select(lane => FloodAsync(f, lane, target, outcomes, stop.Token))).ToList();
        await Task.Delay(1000); // the flood's burst spent
        var floodStarted = Stopwatch.StartNew();
        List<double> during;
        try
        {
            during = await MeasureAsync(measurer, Samples);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flooding);
            foreach (var flood in floods)
            {
                await flood.DisposeAsync();
            }
        }

        var floodSeconds = floodStarted.Elapsed.TotalSeconds + 1;
        var (p50Before, p95Before) = (Percentile(baseline, 0.5), Percentile(baseline, 0.95));
        var (p50During, p95During) = (Percentile(during, 0.5), Percentile(during, 0.95));
        output.WriteLine($"Baseline: p50 {p50Before:0.0} ms, p95 {p95Before:0.0} ms, max {baseline.Max():0.0} ms ({Samples} posts)");
        output.WriteLine($"Flood:    p50 {p50During:0.0} ms, p95 {p95During:0.0} ms, max {during.Max():0.0} ms ({Samples} posts)");
        output.WriteLine($"Flooder over {floodSeconds:0.0} s: {outcomes}");

        // The flood is refused, not served: posts within the bucket (burst 20, 5 a second), flags and joins likewise.
        // And it is slowed, not answered as fast as it asks: a connection runs one call at a time and each
        // RATE_LIMITED answer waits Jam:RateLimitedAnswerDelay (200 ms), so each connection gets at most about five
        // refusals a second however many calls it sends.
        Assert.True(outcomes.Refused > outcomes.Posted, outcomes.ToString());
        Assert.True(outcomes.Refused / floodSeconds < FloodConnections * 5 * 1.5, $"{outcomes.Refused / floodSeconds:0} refusals a second: {outcomes}");
        Assert.InRange(outcomes.Posted, 1, 20 + (5 * (floodSeconds + 1)));
        Assert.Equal(0, outcomes.Other);

        // Generous on purpose. Two cores, shared with other work, run this server, the flooding client (tens of thousands
        // of calls a second, whose CPU a real flooder would spend on its own machine, in the measuring client's own
        // process and thread pool) and the measuring client, so part of any slowdown is contention for the CPU, not the
        // server favouring the flooder; 60 samples make a p95 that moves by tens of milliseconds from run to run (runs
        // while building: baseline p95 40 to 170 ms, flood p95 up to 4.5 times that). What the bound catches is the failure that matters: without the
        // limits the measurer's posts would queue behind the flooder's writes in the room and miss it by seconds.
        var bound = (3 * p95Before) + 150;
        Assert.True(p95During < bound, $"p95 during the flood {p95During:0.0} ms is not under {bound:0.0} ms (3 x baseline p95 {p95Before:0.0} ms + 150 ms)");
    }

    private static async Task<SignedIn> SignInAsync(ServerProcess server)
    {
        using var http = server.As();
        return await http.SignInAsync();
    }

    /// <summary>Post → own PostAdded, one at a time, 4.5 a second (the participant's limit is 5).</summary>
    private static async Task<List<double>> MeasureAsync(JamClient client, int count)
    {
        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var ack = await client.PostAsync(Room, $"Measured {i} {JamClient.NewId()[..6]}");
            await client.WaitForPostAsync(p => p.PostId == ack.PostId);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromMilliseconds(220) - Stopwatch.GetElapsedTime(started) is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        }

        return latencies;
    }

    /// <summary>As fast as the connection answers: mostly posts, some flags and room joins.</summary>
    private static async Task FloodAsync(JamClient client, int lane, string target, FloodOutcomes outcomes, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                switch (i % 10)
                {
                    case 8:
                        await client.FlagAsync(target, "spam");
                        break;
                    case 9:
                        await client.JoinAsync(Room);
                        break;
                    default:
                        await client.PostAsync(Room, $"Flood {lane}/{i}");
                        Interlocked.Increment(ref outcomes.Posted);
                        break;
                }
            }
            catch (HubException refused) when (refused.Message.StartsWith("RATE_LIMITED: ", StringComparison.Ordinal)
                || refused.Message.StartsWith("ALREADY_FLAGGED: ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref outcomes.Refused);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception)
            {
                Interlocked.Increment(ref outcomes.Other);
            }
        }
    }

    private static double Percentile(List<double> values, double share)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Ceiling(share * sorted.Count) - 1];
    }

    private sealed class FloodOutcomes
    {
        public int Posted;
        public int Refused;
        public int Other;

        public override string ToString() => $"{Posted} posts taken, {Refused} calls refused (RATE_LIMITED, ALREADY_FLAGGED), {Other} other outcomes";
    }
}
