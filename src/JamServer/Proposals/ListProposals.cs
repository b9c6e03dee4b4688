using JamServer.Infrastructure;
using JamServer.Rooms;
using JamServer.Voting;
using Marten;
using Polly.Registry;

namespace JamServer.Proposals;

public sealed record ProposalDto(
    string ProposalId, string RoomId, string ThreadId, string Title, string Summary, string AuthorId, string AuthorName,
    DateTimeOffset ProposedAt, long Support, IReadOnlyList<string> MergedFrom);

/// <summary>GET /api/proposals?roomId=: the open proposals (merged-away ones are folded into their targets), with live support.</summary>
public static class ListProposals
{
    public static void MapProposalsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet(
                "/api/proposals",
                async (string? roomId, IQuerySession session, RoomCatalog rooms, LiveTally live, ResiliencePipelineProvider<string> pipelines, CancellationToken ct) =>
                {
                    // Only the store reads go through the store pipeline: a Redis that hangs must not count against
                    // PostgreSQL's circuit. Support is read after, with its own short timeout.
                    var proposals = await pipelines.StoreAsync(token => OpenProposalsAsync(session, rooms, roomId, token), ct)
                        ?? throw JamException.NotFound($"There is no room '{roomId}'.");
                    var support = await live.SupportOrNoneAsync(proposals.Select(p => p.Id).ToList());
                    return proposals.Select(p => new ProposalDto(
                            p.Id, p.RoomId, p.ThreadId, p.Title, p.Summary, p.AuthorId, p.AuthorName, p.ProposedAt,
                            support.GetValueOrDefault(p.Id), p.MergedFrom))
                        .ToList();
                })
            .RequireAuthorization();

    /// <summary>The open proposals, of one room if asked; null for a room that does not exist.</summary>
    private static async Task<IReadOnlyList<ProposalView>?> OpenProposalsAsync(
        IQuerySession session, RoomCatalog rooms, string? roomId, CancellationToken ct)
    {
        var query = session.Query<ProposalView>().Where(p => p.MergedInto == null);
        if (!string.IsNullOrEmpty(roomId))
        {
            if (await rooms.FindAsync(roomId, ct) is null)
            {
                return null;
            }

            query = query.Where(p => p.RoomId == roomId);
        }

        return await query.OrderBy(p => p.ProposedAt).ToListAsync(ct);
    }
}
