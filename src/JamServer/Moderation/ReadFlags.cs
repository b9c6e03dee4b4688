using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using Marten;

namespace JamServer.Moderation;

public sealed record FlaggedPost(
    string PostId, string RoomId, long Seq, string AuthorId, string AuthorName, string Body, bool Hidden,
    bool HiddenByCommunity, IReadOnlyList<OpenFlag> OpenFlags, DateTimeOffset? LastFlaggedAt);

/// <summary>GET /api/moderation/flags: posts with flags no moderator has reviewed yet, the latest flagged first.</summary>
public static class ReadFlags
{
    public const int MaxLimit = 500;

    public static void MapFlagsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/moderation/flags", async (int? limit, IQuerySession session, CancellationToken ct) =>
            {
                if (limit is < 1 or > MaxLimit)
                {
                    throw JamException.InvalidInput($"limit must be between 1 and {MaxLimit}.");
                }

                var flagged = await session.Query<PostModeration>()
                    .Where(m => m.OpenFlagCount > 0)
                    .OrderByDescending(m => m.LastFlaggedAt)
                    .Take(limit ?? 100)
                    .ToListAsync(ct);
                var posts = flagged.Count == 0
                    ? new Dictionary<string, PostView>()
                    : (await session.LoadManyAsync<PostView>(ct, flagged.Select(m => m.Id))).ToDictionary(p => p.Id);
                return flagged.Where(m => posts.ContainsKey(m.Id)).Select(m =>
                    {
                        var post = posts[m.Id];
                        return new FlaggedPost(
                            m.Id, m.RoomId, post.Seq, post.AuthorId, post.AuthorName, post.Body, m.Hidden, m.HiddenByCommunity,
                            m.OpenFlags, m.LastFlaggedAt);
                    })
                    .ToList();
            })
            .RequireAuthorization(Roles.Moderation);
}
