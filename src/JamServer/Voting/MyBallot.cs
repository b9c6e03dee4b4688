using JamServer.Identity;
using JamServer.Jams;
using JamServer.Proposals;
using JamServer.Infrastructure;
using Marten;

namespace JamServer.Voting;

public sealed record MyVotesDto(int Budget, int Remaining, IReadOnlyList<string> Proposals);

public sealed record ReceiptDto(
    string VoterId, IReadOnlyList<string> Proposals, string BallotHash, bool Counted, string Status, string? Digest);

/// <summary>A participant's own ballot: GET /api/me/votes, and GET /api/me/receipt to check it is in the published count.</summary>
public static class MyBallot
{
    /// <summary>The proposals this participant's ballot counts for now (merges resolved), sorted.</summary>
    public static async Task<IReadOnlyList<string>> CountsForAsync(IQuerySession session, string voterId, CancellationToken ct)
    {
        var ballot = await session.LoadAsync<BallotView>(BallotView.StreamIdOf(voterId), ct);
        if (ballot is null || ballot.Proposals.Count == 0)
        {
            return [];
        }

        var known = await ProposalLoader.LoadWithMergeTargetsAsync(session, ballot.Proposals, ct);
        return CastVote.Effective(ballot.Proposals, id => known.GetValueOrDefault(id)?.MergedInto).Order(StringComparer.Ordinal).ToList();
    }

    public static void MapMyBallotEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me/votes", async (HttpContext http, IQuerySession session, JamState jam, CancellationToken ct) =>
            {
                var proposals = await CountsForAsync(session, http.User.ParticipantId(), ct);
                var budget = jam.Current.VoteBudget;
                return new MyVotesDto(budget, Math.Max(0, budget - proposals.Count), proposals);
            })
            .RequireAuthorization()
            .ReadsStore();

        app.MapGet("/api/me/receipt", async (HttpContext http, IQuerySession session, ShortlistPublisher published, CancellationToken ct) =>
            {
                var voterId = http.User.ParticipantId();
                var proposals = await CountsForAsync(session, voterId, ct);
                var shortlist = await published.FindAsync(ct);
                return new ReceiptDto(
                    voterId, proposals, Tally.BallotHash(voterId, proposals), proposals.Count > 0,
                    shortlist is null ? ReadShortlist.Provisional : ReadShortlist.Final, shortlist?.Digest);
            })
            .RequireAuthorization()
            .ReadsStore();
    }
}
