using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Voting;

/// <summary>A jam of its own in Voting, with a budget of 3 and a pool of proposals; each test takes its own.</summary>
public sealed class VotingFixture() : JamServerFixture(new Dictionary<string, string>
{
    ["Jam__VoteBudget"] = "3",

    // The race test fires 48 votes at once from one participant.
    ["Jam__VoteBurst"] = "1000",
}), IAsyncLifetime
{
    private int _taken;

    public IReadOnlyList<string> Proposals { get; private set; } = [];

    /// <summary>Proposals no other test votes on.</summary>
    public string[] Take(int count)
    {
        var end = Interlocked.Add(ref _taken, count);
        return Proposals.Take(end).Skip(end - count).ToArray();
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var made = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            made.Add(await ProposeAsync(i % 2 == 0 ? "oceans" : "water", $"Idea {i}"));
        }

        Proposals = made;
        await MoveToAsync("Voting");
    }
}

[CollectionDefinition(Name)]
public sealed class VotingCollection : ICollectionFixture<VotingFixture>
{
    public const string Name = "A jam in Voting";
}
