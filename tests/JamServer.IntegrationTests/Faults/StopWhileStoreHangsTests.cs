using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>
/// SIGTERM while PostgreSQL hangs (SIGSTOP) with a vote and a post in the writers: each writer's stop waits a few
/// seconds at most (BatchWriter.StopWithin) rather than for Npgsql to give up, so the node exits well within the host's
/// stop timeout and the writers' callers are answered rather than left hanging.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class StopWhileStoreHangsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(2);
    private const string Room = "water";

    [Fact]
    public async Task A_node_stopped_while_PostgreSQL_hangs_answers_its_writers_and_exits_well_within_the_stop_timeout()
    {
        await using var postgres = await OwnPostgres.StartAsync();
        await using var server = new ServerProcess("pg-stop" + JamClient.NewId()[..8], new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["Jam__DrainTime"] = DrainTime.ToString(),
        });
        await server.StartAsync();
        using var anonymous = server.As();
        using var asOrganizer = server.As(await anonymous.SignInAsync("organizer"));
        await using var writer = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
        await using var voter = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
        var thread = await writer.PostAsync(Room, "A thread to propose");
        var proposal = (await writer.ProposeAsync(Room, thread.PostId, "Hung stores")).ProposalId;
        (await asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();

        try
        {
            await postgres.SignalAllAsync("STOP");
            Task vote = voter.VoteAsync(proposal);
            Task post = writer.PostAsync(Room, "Into a hung store");
            await Task.Delay(TimeSpan.FromMilliseconds(300));

            var (exitCode, took) = await server.TerminateAsync(TimeSpan.FromSeconds(40));
            output.WriteLine($"With PostgreSQL hung the node exited {exitCode} after {took.TotalSeconds:F1} s (drain {DrainTime.TotalSeconds} s)");
            Assert.Equal(0, exitCode);

            // The writers answer within their own bound; services stuck in a store call that ignores cancellation are
            // waited for up to the host's stop timeout, and then the process ends itself (DrainingLifetime).
            Assert.InRange(took, TimeSpan.Zero, DrainTime + TimeSpan.FromSeconds(5) + JamServer.Infrastructure.GracefulShutdown.StopTimeout
                + JamServer.Infrastructure.DrainingLifetime.ExitGrace + TimeSpan.FromSeconds(5));
            foreach (var (what, call) in new[] { ("vote", vote), ("post", post) })
            {
#pragma warning disable VSTHRD003 // Started above, before the stop; its answer is what is checked.
                var answered = await Record.ExceptionAsync(() => call);
#pragma warning restore VSTHRD003
                output.WriteLine($"The {what}: {answered?.GetType().Name}: {answered?.Message}");
                Assert.NotNull(answered);
                Assert.IsNotType<TimeoutException>(answered);
            }
        }
        finally
        {
            await postgres.SignalAllAsync("CONT");
        }
    }
}
