using JamLoad;
using JamServer.IntegrationTests.Support;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Load;

/// <summary>The load tool's smoke run in CI: a small jam that must lose nothing. The figures are the benchmark's job.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class LoadSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_thousand_participants_for_thirty_seconds_lose_no_post_and_meet_no_error()
    {
        await using var server = new ServerProcess("s" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__PostsPerSecond"] = "100000",
            ["Jam__PostBurst"] = "100000",
        });
        await server.StartAsync();
        using var log = new StringWriter();

        var result = await Scenario.RunAsync(
            new LoadOptions
            {
                Target = "jam",
                Server = server.BaseAddress,
                Receivers = 1000,
                Rooms = 10,
                ZipfExponent = 1.0,
                Writers = 4,
                PostRates = [20],
                StepLength = TimeSpan.FromSeconds(30),
                Drain = TimeSpan.FromSeconds(5),
                ServerPid = server.Pid,
                Name = "ci-smoke",
                HardLimit = TimeSpan.FromMinutes(3),
            },
            log,
            CancellationToken.None).Timely(TimeSpan.FromMinutes(3));

        output.WriteLine(log.ToString());
        output.WriteLine(result.ToMarkdown());
        Assert.Equal(1000, result.ReceiversJoined);
        Assert.InRange(result.Steps[0].PostsSent, 590, 610);
        Assert.True(result.DeliveriesOwed > 50_000, $"only {result.DeliveriesOwed} deliveries were owed");
        Assert.True(result.Clean, result.ToMarkdown());
        Assert.Equal(result.DeliveriesOwed, result.Steps.Sum(s => s.Delivery.Count));
    }
}
