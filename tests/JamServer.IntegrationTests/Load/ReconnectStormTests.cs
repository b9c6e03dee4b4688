using System.Net;
using System.Net.Http.Json;
using JamLoad;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Load;

/// <summary>Admission control and a reconnect storm of a few thousand lean clients (docs/reliability.md).</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class ReconnectStormTests(ITestOutputHelper output)
{
    [Fact]
    public async Task New_connections_beyond_the_admitted_pace_get_503_with_a_retry_time_while_established_ones_carry_on()
    {
        await using var server = new ServerProcess("a" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__Admission__ConnectsPerSecond"] = "1",
            ["Jam__Admission__ConnectBurst"] = "2",
            ["Jam__Admission__ConnectQueue"] = "0",
        });
        await server.StartAsync();
        using var anonymous = server.As();
        var who = await anonymous.SignInAsync();
        await using var established = await JamClient.ConnectAsync(server.BaseAddress, who);
        using var http = server.As(who);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null))).Timely();
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(ErrorCodes.Unavailable, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        // The connection that was already open is not held back: it joins and posts while new ones are refused.
        await established.JoinAsync("ai-assistants");
        var ack = await established.Connection.InvokeAsync<PostAck>("Post", new PostRequest("ai-assistants", null, "Still here", JamClient.NewId())).Timely();
        Assert.True(ack.Seq > 0);
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);

        // After the wait it was told, a new connection is let in.
        await Task.Delay(retryAfter.Value);
        await using var later = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
    }

    [Fact]
    public async Task Two_and_a_half_thousand_clients_dropped_at_once_are_all_back_in_time_and_miss_no_acknowledged_post()
    {
        const int Clients = 2500, AdmittedPerSecond = 500;
        await using var server = StormServer("m", AdmittedPerSecond);
        await server.StartAsync();
        using var log = new StringWriter();

        // The documented bound (docs/protocol.md): twice the time the admitted pace needs, plus the clients' longest pause.
        var limit = TimeSpan.FromSeconds((2 * Clients / AdmittedPerSecond) + 15);
        var result = await Storm.RunAsync(
            new LoadOptions
            {
                Server = server.BaseAddress,
                Receivers = Clients,
                Rooms = 10,
                Writers = 4,
                PostRates = [20],
                ConnectsPerSecond = AdmittedPerSecond,
                StormLimit = limit,
                Drain = TimeSpan.FromSeconds(3),
                Name = "ci-storm",
                HardLimit = TimeSpan.FromMinutes(3),
            },
            log,
            CancellationToken.None).Timely(TimeSpan.FromMinutes(3));

        output.WriteLine(log.ToString());
        output.WriteLine(result.ToMarkdown());
        Assert.Equal(Clients, result.InitiallyJoined);
        Assert.Equal(Clients, result.Back);
        Assert.True(result.BackIn.MaxMs <= limit.TotalMilliseconds, $"the last client was back after {result.BackIn.MaxMs} ms");
        Assert.True(result.Shed > 0, "the storm was not shed at all: the admission limit did not act");
        Assert.True(result.PostsAckedDuringStorm > 0, "no post was acknowledged during the storm");
        Assert.True(result.DeliveriesOwed > 50_000, $"only {result.DeliveriesOwed} deliveries were owed");
        Assert.Equal(0, result.Lost);
        Assert.Empty(result.WriterErrors);
        Assert.Equal(0, result.HealthNotReady);
        Assert.True(result.HealthyAfter);
        Assert.True(result.Clean, result.ToMarkdown());
    }

    [Fact]
    public async Task Two_thousand_clients_of_a_server_killed_and_started_again_are_all_back_in_time_and_miss_no_acknowledged_post()
    {
        const int Clients = 2000, AdmittedPerSecond = 500;
        await using var server = StormServer("w", AdmittedPerSecond);
        await server.StartAsync();
        using var log = new StringWriter();

        var result = await Storm.RunAsync(
            new LoadOptions
            {
                Server = server.BaseAddress,
                Receivers = Clients,
                Rooms = 10,
                Writers = 4,
                PostRates = [20],
                ConnectsPerSecond = AdmittedPerSecond,
                StormLimit = TimeSpan.FromSeconds(90),
                Drain = TimeSpan.FromSeconds(3),
                Name = "ci-storm-restart",
                HardLimit = TimeSpan.FromMinutes(3),
            },
            log,
            CancellationToken.None,
            restartServer: async () =>
            {
                await server.KillAsync();
                await server.StartAsync();
            }).Timely(TimeSpan.FromMinutes(3));

        output.WriteLine(log.ToString());
        output.WriteLine(result.ToMarkdown());

        // The documented bound counts from the server being ready again.
        var limit = TimeSpan.FromSeconds(result.RestartSeconds!.Value + (2 * Clients / AdmittedPerSecond) + 15);
        Assert.Equal(Clients, result.InitiallyJoined);
        Assert.Equal(Clients, result.Back);
        Assert.True(result.BackIn.MaxMs <= limit.TotalMilliseconds, $"the last client was back after {result.BackIn.MaxMs} ms, more than {limit}");

        // While the server was away every client tried and backed off, so they return spread out (shed or not).
        Assert.True(result.Attempts > Clients, $"{result.Attempts} connect attempts");
        Assert.True(result.PostsAcked > result.PostsAckedDuringStorm && result.PostsAckedDuringStorm > 0, "posts were not acknowledged both before and after the restart");
        Assert.True(result.DeliveriesOwed > 50_000, $"only {result.DeliveriesOwed} deliveries were owed");
        Assert.Equal(0, result.Lost);
        Assert.True(result.HealthyAfter);
        Assert.True(result.Clean, result.ToMarkdown());
    }

    /// <summary>A server of the storm's own: posts unlimited for the writers, connections admitted at the given pace.</summary>
    private static ServerProcess StormServer(string prefix, int admittedPerSecond) =>
        new(prefix + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__PostsPerSecond"] = "100000",
            ["Jam__PostBurst"] = "100000",
            ["Jam__Admission__ConnectsPerSecond"] = admittedPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jam__Admission__ConnectBurst"] = "250",
        });
}
