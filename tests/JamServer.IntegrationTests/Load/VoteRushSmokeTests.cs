using JamLoad;
using JamServer.IntegrationTests.Support;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Load;

/// <summary>The load tool's vote rush in CI, small: lean voters over budget at once, every ballot read back.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class VoteRushSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Five_hundred_voters_voting_at_once_over_budget_keep_the_budget_and_every_acknowledged_vote()
    {
        await using var server = new ServerProcess("r" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__PostsPerSecond"] = "100000",
            ["Jam__PostBurst"] = "100000",
        });
        await server.StartAsync();
        using var log = new StringWriter();

        var result = await VoteRush.RunAsync(
            new LoadOptions { Server = server.BaseAddress, Receivers = 500, Proposals = 30, Name = "ci-votes", HardLimit = TimeSpan.FromMinutes(2) },
            log,
            CancellationToken.None).Timely(TimeSpan.FromMinutes(2));

        output.WriteLine(log.ToString());
        output.WriteLine(result.ToMarkdown());
        Assert.Equal(500 * 12, result.VotesSent);
        Assert.Equal(500 * 10, result.Accepted);
        Assert.Equal(500 * 10, result.StoredVotes);
        Assert.Equal(500 * 2, result.Refusals.GetValueOrDefault("BUDGET_EXCEEDED"));
        Assert.True(result.Clean, result.ToMarkdown());
    }
}
