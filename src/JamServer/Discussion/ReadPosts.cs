using System.Security.Claims;
using JamServer.Identity;
using JamServer.Infrastructure;
using Marten;
using Polly.Registry;

namespace JamServer.Discussion;

/// <summary>A room's posts in sequence order after a given sequence number: catch-up and paging.</summary>
public static class ReadPosts
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static async Task<IReadOnlyList<PostDto>> AfterAsync(
        IQuerySession session, string roomId, long afterSeq, int limit, bool seesHidden, CancellationToken ct)
    {
        if (afterSeq < 0)
        {
            throw JamException.InvalidInput("afterSeq cannot be negative.");
        }

        if (limit < 1)
        {
            throw JamException.InvalidInput($"limit must be between 1 and {MaxLimit}.");
        }

        var posts = await session.Query<PostView>()
            .Where(p => p.RoomId == roomId && p.Seq > afterSeq)
            .OrderBy(p => p.Seq)
            .Take(limit)
            .ToListAsync(ct);
        return posts.Select(p => PostDto.From(p, seesHidden)).ToList();
    }

    public static void MapPostsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/rooms/{roomId}/posts", async (
                string roomId, long? after, int? limit, ClaimsPrincipal user, IQuerySession session, Rooms.RoomCatalog rooms,
                ResiliencePipelineProvider<string> pipelines, CancellationToken ct) =>
            {
                if (await pipelines.StoreAsync(token => rooms.FindAsync(roomId, token), ct) is null)
                {
                    throw JamException.NotFound($"There is no room '{roomId}'.");
                }

                if (limit > MaxLimit)
                {
                    throw JamException.InvalidInput($"limit must be between 1 and {MaxLimit}.");
                }

                return await pipelines.StoreAsync(
                    token => AfterAsync(session, roomId, after ?? 0, limit ?? DefaultLimit, user.SeesHiddenPosts(), token), ct);
            })
            .RequireAuthorization();
}
