using Marten;

namespace JamServer.Proposals;

/// <summary>
/// Every proposal, as this node last read them, for the vote decisions: reread at most once a second while votes
/// come, and at once after a merge on this node. A merge made on another node a moment ago can be missed for that
/// moment, which the count does not mind: a vote for the merged-away proposal counts for the target, and a ballot
/// never counts twice for one proposal, since merges are resolved again when counting.
/// </summary>
public sealed class ProposalCatalog(IDocumentStore store, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile Snapshot? _snapshot;

    public async Task<IReadOnlyDictionary<string, ProposalView>> CurrentAsync(CancellationToken ct)
    {
        if (_snapshot is { } fresh && clock.GetElapsedTime(fresh.ReadAt) < MaxAge)
        {
            return fresh.Proposals;
        }

        await _reading.WaitAsync(ct);
        try
        {
            if (_snapshot is { } meanwhile && clock.GetElapsedTime(meanwhile.ReadAt) < MaxAge)
            {
                return meanwhile.Proposals;
            }

            var readAt = clock.GetTimestamp();
            await using var session = store.QuerySession();
            var all = await session.Query<ProposalView>().ToListAsync(ct);
            var snapshot = new Snapshot(all.ToDictionary(p => p.Id, StringComparer.Ordinal), readAt);
            _snapshot = snapshot;
            return snapshot.Proposals;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>A merge committed here: the next decision rereads.</summary>
    public void Invalidate() => _snapshot = null;

    public void Dispose() => _reading.Dispose();

    private sealed record Snapshot(Dictionary<string, ProposalView> Proposals, long ReadAt);
}
