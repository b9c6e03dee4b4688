using JamServer.Identity;
using JamServer.Infrastructure;
using Marten;

namespace JamServer.Moderation;

/// <summary>
/// GET /api/moderation/alerts?roomId=&amp;limit=: the stored sentiment shifts, the latest first, so that a moderator
/// who connects later sees what was pushed before; and GET /api/moderation/counts, the live counts now.
/// </summary>
public static class ReadAlerts
{
    public const int MaxLimit = 500;

    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/moderation/alerts", async (
                string? roomId, int? limit, IQuerySession session, Rooms.RoomCatalog rooms, CancellationToken ct) =>
            {
                if (limit is < 1 or > MaxLimit)
                {
                    throw JamException.InvalidInput($"limit must be between 1 and {MaxLimit}.");
                }

                IQueryable<SentimentShiftRaised> query = session.Events.QueryRawEventDataOnly<SentimentShiftRaised>();
                if (!string.IsNullOrEmpty(roomId))
                {
                    var room = await rooms.FindAsync(roomId, ct) ?? throw JamException.NotFound($"There is no room '{roomId}'.");
                    query = query.Where(a => a.RoomId == room.Id);
                }

                var alerts = await query.OrderByDescending(a => a.DetectedAt).Take(limit ?? 100).ToListAsync(ct);
                return alerts.Select(ShiftAlertDto.From).ToList();
            })
            .RequireAuthorization(Roles.Moderation);
        app.MapGet("/api/moderation/counts", async (ModerationFeed feed, Rooms.RoomCatalog rooms, TimeProvider clock, CancellationToken ct) =>
            {
                await ModerationScope.RoomAsync(null, rooms, feed, ct);
                return await feed.CountAsync(clock.GetUtcNow(), ct);
            })
            .RequireAuthorization(Roles.Moderation);
    }
}
