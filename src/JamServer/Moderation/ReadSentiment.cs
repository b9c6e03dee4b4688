using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Rooms;

namespace JamServer.Moderation;

public sealed record SentimentSeriesDto(string? RoomId, int BucketSeconds, IReadOnlyList<SentimentBucketDto> Buckets);

/// <summary>GET /api/moderation/sentiment?roomId=&amp;from=&amp;to=: a room's (or the jam's) sentiment buckets over time.</summary>
public static class ReadSentiment
{
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(31);

    /// <summary>Times far from any jam are refused rather than reaching date arithmetic that would overflow.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    public static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void MapSentimentEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/moderation/sentiment", async (
                string? roomId, DateTimeOffset? from, DateTimeOffset? to, ModerationFeed feed, ModerationAnalytics analytics,
                RoomCatalog rooms, TimeProvider clock, CancellationToken ct) =>
            {
                if (from < Earliest || from > Latest || to < Earliest || to > Latest)
                {
                    throw JamException.InvalidInput($"from and to are times from {Earliest.Year} to {Latest.Year}.");
                }

                var until = to ?? clock.GetUtcNow();
                var since = from ?? until - DefaultSpan;
                if (since >= until || until - since > MaxSpan)
                {
                    throw JamException.InvalidInput($"from must be before to, at most {MaxSpan.TotalDays} days apart.");
                }

                var room = await ModerationScope.RoomAsync(roomId, rooms, feed, ct);
                var buckets = analytics.Series.Buckets(room, since, until).Select(SentimentBucketDto.From).ToList();
                return new SentimentSeriesDto(room, (int)analytics.Series.BucketSize.TotalSeconds, buckets);
            })
            .RequireAuthorization(Roles.Moderation);
}

/// <summary>What the moderation figures' endpoints share: the scope they are asked for, once the figures are whole.</summary>
public static class ModerationScope
{
    /// <summary>The catalog's room id, or null for the whole jam; NOT_FOUND for an unknown room.</summary>
    public static async Task<string?> RoomAsync(string? roomId, RoomCatalog rooms, ModerationFeed feed, CancellationToken ct)
    {
        if (!feed.Ready)
        {
            throw new JamException(ErrorCodes.Unavailable, "The moderation figures are being rebuilt from the stored posts; retry in a moment.");
        }

        if (string.IsNullOrEmpty(roomId))
        {
            return null;
        }

        return (await rooms.FindAsync(roomId, ct))?.Id ?? throw JamException.NotFound($"There is no room '{roomId}'.");
    }
}
