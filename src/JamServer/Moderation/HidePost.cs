using JamServer.Infrastructure;

namespace JamServer.Moderation;

/// <summary>A moderator hides a post, with a reason; its place in the thread stays, its body reaches only moderators.</summary>
public static class HidePost
{
    public sealed record Command(string PostId, string Reason, string ModeratorId);

    public static Command Validate(string? postId, string? reason, string moderatorId) =>
        new(ModerationInput.PostId(postId), ModerationInput.Reason(reason), moderatorId);

    public static IReadOnlyList<object> Decide(Command command, PostModeration state, DateTimeOffset now)
    {
        if (state.Hidden && !state.HiddenByCommunity)
        {
            throw new JamException(ErrorCodes.AlreadyHidden, $"A moderator hid post '{command.PostId}' already.");
        }

        // A post the community hid is confirmed hidden by the moderator: the review closes its flags.
        return [new PostHidden(command.PostId, state.RoomId, command.ModeratorId, command.Reason, ByCommunity: false, now)];
    }
}

public sealed record ModerationRequest(string? Reason);

/// <summary>POST /api/moderation/posts/{postId}/hide and /restore: the hub's HidePost and RestorePost over HTTP.</summary>
public static class ModeratePostEndpoints
{
    public static void MapModeratePostEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/moderation/posts/{postId}/hide", (
                    string postId, ModerationRequest? body, System.Security.Claims.ClaimsPrincipal user, PostModerator moderator, CancellationToken ct) =>
                moderator.HideAsync(HidePost.Validate(postId, body?.Reason, Identity.JamClaims.ParticipantId(user)), ct))
            .RequireAuthorization(Identity.Roles.Moderation);
        app.MapPost("/api/moderation/posts/{postId}/restore", (
                    string postId, ModerationRequest? body, System.Security.Claims.ClaimsPrincipal user, PostModerator moderator, CancellationToken ct) =>
                moderator.RestoreAsync(RestorePost.Validate(postId, body?.Reason, Identity.JamClaims.ParticipantId(user)), ct))
            .RequireAuthorization(Identity.Roles.Moderation);
    }
}
