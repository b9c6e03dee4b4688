using JamServer.Discussion;
using JamServer.Proposals;
using Marten;

namespace JamServer.Voting;

/// <summary>Dresses ranked counts with what executives need to judge them: title, room, and the discussion behind each.</summary>
public static class ShortlistBuilder
{
    public static async Task<IReadOnlyList<ShortlistEntry>> BuildAsync(
        IQuerySession session, IReadOnlyList<ProposalCount> ranked, int size, CancellationToken ct)
    {
        var top = ranked.Take(size).ToList();
        var ids = top.SelectMany(c => c.MergedFrom.Prepend(c.ProposalId)).Distinct().ToArray();
        var proposals = (await session.LoadManyAsync<ProposalView>(ct, ids)).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var threads = proposals.Values.Select(p => p.ThreadId).Distinct().ToArray();
        var authors = threads.Length == 0
            ? []
            : await session.Query<PostView>()
                .Where(p => p.ThreadId.IsOneOf(threads))
                .Select(p => new ThreadAuthor(p.ThreadId, p.AuthorId))
                .ToListAsync(ct);
        var byThread = authors.ToLookup(a => a.ThreadId, StringComparer.Ordinal);

        return top.Select((count, i) =>
            {
                var proposal = proposals[count.ProposalId];
                var behind = count.MergedFrom.Prepend(count.ProposalId)
                    .Select(id => proposals.GetValueOrDefault(id)?.ThreadId).OfType<string>().Distinct()
                    .SelectMany(thread => byThread[thread]).ToList();
                return new ShortlistEntry(
                    i + 1, proposal.Id, proposal.Title, proposal.Summary, proposal.RoomId, proposal.ThreadId, proposal.AuthorName,
                    count.Votes, count.VotersByKind, behind.Count, behind.Select(a => a.AuthorId).Distinct().Count(), count.MergedFrom);
            })
            .ToList();
    }

    private sealed record ThreadAuthor(string ThreadId, string AuthorId);
}
