using Marten;

namespace JamServer.Proposals;

/// <summary>
/// Every proposal, as this node last read them, for the vote decisions: reread at most once a second while votes
/// come, sooner (at most ten times a second) when a vote names a proposal the last read did not have, and at once
/// after a merge on this node. A merge made on another node a moment ago can be missed for that moment, which the
/// count does not mind: a vote for the merged-away proposal counts for the target, the budget check only errs on
/// the strict side, and merges are resolved again when counting.
/// </summary>
public sealed class ProposalCatalog(IDocumentStore store, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinAgeForUnknown = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile Snapshot? _snapshot;
    private long _generation;

    public async Task<IReadOnlyDictionary<string, ProposalView>> CurrentAsync(IEnumerable<string> needed, CancellationToken ct)
    {
        var wanted = needed as IReadOnlyCollection<string> ?? needed.ToList();
        if (_snapshot is { } fresh && !IsStale(fresh, wanted))
        {
            return fresh.Proposals;
        }

        await _reading.WaitAsync(ct);
        try
        {
            if (_snapshot is { } meanwhile && !IsStale(meanwhile, wanted))
            {
                return meanwhile.Proposals;
            }

            var generation = Interlocked.Read(ref _generation);
            var readAt = clock.GetTimestamp();
            await using var session = store.QuerySession();
            var all = await session.Query<ProposalView>().ToListAsync(ct);
            var snapshot = new Snapshot(all.ToDictionary(p => p.Id, StringComparer.Ordinal), readAt);

            // A merge that committed while this read ran may be missing from it: keep it for this call only.
            if (Interlocked.Read(ref _generation) == generation)
            {
                _snapshot = snapshot;
            }

            return snapshot.Proposals;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>A merge committed here: the next decision rereads.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _snapshot = null;
    }

    public void Dispose() => _reading.Dispose();

    private bool IsStale(Snapshot snapshot, IReadOnlyCollection<string> wanted)
    {
        var age = clock.GetElapsedTime(snapshot.ReadAt);
        return age >= MaxAge || (age >= MinAgeForUnknown && wanted.Any(id => !snapshot.Proposals.ContainsKey(id)));
    }

    private sealed record Snapshot(Dictionary<string, ProposalView> Proposals, long ReadAt);
}
