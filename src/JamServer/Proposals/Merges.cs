namespace JamServer.Proposals;

/// <summary>Where a proposal's votes count: itself while open, else the end of its chain of merges.</summary>
public static class Merges
{
    /// <summary>A chain cannot loop (only open proposals take merges), but a bound keeps a bad record from hanging us.</summary>
    private const int MaxChain = 64;

    public static string Resolve(string proposalId, Func<string, string?> mergedInto)
    {
        var id = proposalId;
        for (var i = 0; i < MaxChain && mergedInto(id) is { } next; i++)
        {
            id = next;
        }

        return id;
    }
}
