using Marten;

namespace JamServer.Proposals;

public static class ProposalLoader
{
    /// <summary>The proposals asked for and every proposal they were merged into, in one read per step of a merge chain.</summary>
    public static async Task<Dictionary<string, ProposalView>> LoadWithMergeTargetsAsync(
        IQuerySession session, IEnumerable<string> ids, CancellationToken ct)
    {
        var found = new Dictionary<string, ProposalView>(StringComparer.Ordinal);
        var asked = new HashSet<string>(StringComparer.Ordinal);
        var wanted = ids.Where(asked.Add).ToArray();
        while (wanted.Length > 0)
        {
            foreach (var proposal in await session.LoadManyAsync<ProposalView>(ct, wanted))
            {
                found[proposal.Id] = proposal;
            }

            wanted = found.Values.Select(p => p.MergedInto).OfType<string>().Where(asked.Add).ToArray();
        }

        return found;
    }
}
