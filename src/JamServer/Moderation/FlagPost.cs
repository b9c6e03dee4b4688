using System.Globalization;
using JamServer.Discussion;
using JamServer.Infrastructure;
using MessagePack;

namespace JamServer.Moderation;

[MessagePackObject]
public sealed record FlagAck(
    [property: Key("postId")] string PostId,
    [property: Key("openFlags")] int OpenFlags,
    [property: Key("hidden")] bool Hidden);

/// <summary>Any participant flags a post once; enough distinct flags hide it until a moderator reviews it.</summary>
public static class FlagPost
{
    public static readonly IReadOnlyList<string> Reasons = ["off-topic", "confidential", "abusive", "spam"];

    public sealed record Command(string PostId, string Reason, string FlaggerId);

    public static Command Validate(string? postId, string? reason, string flaggerId)
    {
        var id = ModerationInput.PostId(postId);
        var why = reason?.Trim().ToLowerInvariant();
        if (why is null || !Reasons.Contains(why))
        {
            throw JamException.InvalidInput($"A flag's reason is one of: {string.Join(", ", Reasons)}.");
        }

        return new Command(id, why, flaggerId);
    }

    /// <summary>The flag, and the community's hide when this flag is the one that reaches the threshold.</summary>
    public static IReadOnlyList<object> Decide(Command command, PostModeration state, int threshold, DateTimeOffset now)
    {
        if (state.AuthorId == command.FlaggerId)
        {
            throw JamException.InvalidInput("You cannot flag your own post.");
        }

        if (state.Flaggers.Contains(command.FlaggerId))
        {
            throw new JamException(ErrorCodes.AlreadyFlagged, $"You flagged post '{command.PostId}' already.");
        }

        var flagged = new PostFlagged(command.PostId, state.RoomId, command.FlaggerId, command.Reason, now);
        if (state.Hidden || state.OpenFlags.Count + 1 < threshold)
        {
            return [flagged];
        }

        var reasons = state.OpenFlags.Select(f => f.Reason).Append(command.Reason)
            .GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => g.Key);
        var why = string.Create(
            CultureInfo.InvariantCulture, $"Flagged by {state.OpenFlags.Count + 1} participants ({string.Join(", ", reasons)}).");
        return [flagged, new PostHidden(command.PostId, state.RoomId, PostModeration.Community, why, ByCommunity: true, now)];
    }
}

/// <summary>The checks shared by the moderation commands.</summary>
public static class ModerationInput
{
    public const int MaxReasonLength = 500;

    public static string PostId(string? postId)
    {
        return TextInput.Identifier(postId, 100) ?? throw JamException.InvalidInput("postId must be 1 to 100 printable characters.");
    }

    /// <summary>A moderator says why, as text: 1 to <see cref="MaxReasonLength"/> characters.</summary>
    public static string Reason(string? reason)
    {
        var why = WritePost.Clean(reason ?? "").Trim();
        if (why.Length is 0 or > MaxReasonLength)
        {
            throw JamException.InvalidInput($"Say why: a reason of 1 to {MaxReasonLength} characters.");
        }

        return why;
    }
}
