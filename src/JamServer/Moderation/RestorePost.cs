using JamServer.Infrastructure;

namespace JamServer.Moderation;

/// <summary>
/// A moderator reviews a post's flags and keeps it visible, or makes a hidden post visible again, with a reason.
/// Later flags from other participants count afresh toward the threshold.
/// </summary>
public static class RestorePost
{
    public sealed record Command(string PostId, string Reason, string ModeratorId);

    public static Command Validate(string? postId, string? reason, string moderatorId) =>
        new(ModerationInput.PostId(postId), ModerationInput.Reason(reason), moderatorId);

    public static IReadOnlyList<object> Decide(Command command, PostModeration state, DateTimeOffset now)
    {
        if (!state.Hidden && state.OpenFlags.Count == 0)
        {
            throw new JamException(ErrorCodes.NotHidden, $"Post '{command.PostId}' is visible and has no open flags.");
        }

        return [new PostRestored(command.PostId, state.RoomId, command.ModeratorId, command.Reason, now)];
    }
}
