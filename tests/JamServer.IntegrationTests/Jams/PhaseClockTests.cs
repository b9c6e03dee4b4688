using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Jams;

/// <summary>Jams with a compressed schedule: seconds instead of days.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class PhaseClockTests
{
    private static Dictionary<string, string> Schedule(int discussionSeconds, int votingSeconds) => new()
    {
        ["Jam__DiscussionLength"] = TimeSpan.FromSeconds(discussionSeconds).ToString(),
        ["Jam__VotingLength"] = TimeSpan.FromSeconds(votingSeconds).ToString(),
    };

    [Fact]
    public async Task The_clock_moves_the_phases_on_time_exactly_once_and_tells_every_client()
    {
        await using var server = new ServerProcess("c" + JamClient.NewId()[..10], Schedule(5, 3));
        await server.StartAsync();
        using var http = server.As();
        var who = await http.SignInAsync();
        await using var client = await JamClient.ConnectAsync(server.BaseAddress, who);
        var discussion = await http.GetFromJsonAsync<JamInfo>("api/jam").Timely();

        var voting = await client.WaitForPhaseAsync(j => j.Phase == "Voting");
        var votingSeenAt = DateTime.UtcNow;
        var closed = await client.WaitForPhaseAsync(j => j.Phase == "Closed");
        var closedSeenAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal("Discussion", discussion!.Phase);
        Assert.InRange((votingSeenAt - discussion.PhaseEndsAt!.Value).TotalSeconds, -0.1, 1.5);
        Assert.InRange((closedSeenAt - voting.PhaseEndsAt!.Value).TotalSeconds, -0.1, 1.5);
        Assert.Null(closed.PhaseEndsAt);
        Assert.Equal(["Voting", "Closed"], client.Phases.Select(p => p.Phase));
        var stored = await EventLog.ReadAsync(server.JamId, server.JamId, "jam_phase_changed");
        Assert.Equal(["Discussion", "Voting", "Closed"], stored.Select(e => e.Text("phase")));
    }

    [Fact]
    public async Task A_server_that_was_down_when_phases_fell_due_catches_up_once_when_it_restarts()
    {
        await using var server = new ServerProcess("c" + JamClient.NewId()[..10], Schedule(2, 2));
        await server.StartAsync();
        await server.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));

        await server.StartAsync();
        using var http = server.As();
        await Within.EventuallyAsync(
            async () => (await http.GetFromJsonAsync<JamInfo>("api/jam"))!.Phase == "Closed", "the jam shows Closed");
        await server.KillAsync();
        await server.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var stored = await EventLog.ReadAsync(server.JamId, server.JamId, "jam_phase_changed");
        Assert.Equal(["Discussion", "Voting", "Closed"], stored.Select(e => e.Text("phase")));
    }

    private sealed record JamInfo(string Id, string Phase, DateTime? PhaseEndsAt, DateTime ServerTime);
}
