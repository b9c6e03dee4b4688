using System.Globalization;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Moderation.Sentiment;
using JamServer.Rooms;
using MessagePack;

namespace JamServer.Discussion;

[MessagePackObject]
public sealed record PostRequest(
    [property: Key("roomId")] string? RoomId,
    [property: Key("parentId")] string? ParentId,
    [property: Key("body")] string? Body,
    [property: Key("clientId")] string? ClientId);

[MessagePackObject]
public sealed record PostAck([property: Key("postId")] string PostId, [property: Key("seq")] long Seq);

/// <summary>Writing a post or a reply: the checks on the request and the decision that turns it into a fact.</summary>
public static class WritePost
{
    public const int MaxBodyLength = 5000;
    public const int MaxClientIdLength = 64;
    public const int MaxNameLength = 60;

    /// <summary>A thread's root post has depth 0; a reply is one deeper than its parent, up to this.</summary>
    public const int MaxDepth = 8;

    public sealed record Command(string RoomId, string? ParentId, string Body, string ClientId, string AuthorId, string AuthorName)
    {
        public string IdempotencyKey => PostView.KeyOf(AuthorId, ClientId);

        /// <summary>The body's language and sentiment, read before the post reaches its writer.</summary>
        public SentimentReading Reading { get; init; } = SentimentReading.Unscored(LanguageDetector.Undetermined);
    }

    public static Command Validate(PostRequest? request, string authorId, string authorName)
    {
        if (request is null)
        {
            throw JamException.InvalidInput("A post needs roomId, body and clientId.");
        }

        var roomId = Required(request.RoomId, "roomId", 100);
        var clientId = Required(request.ClientId, "clientId", MaxClientIdLength);
        var parentId = string.IsNullOrWhiteSpace(request.ParentId) ? null : Required(request.ParentId, "parentId", 100);
        var body = NormalizeBody(request.Body);
        return new Command(roomId, parentId, body, clientId, authorId, CleanName(authorName, authorId));
    }

    /// <summary>
    /// The fact of a new post, given the phase, the room (null when unknown) and the parent (null for a new thread,
    /// or when the parent id was not found).
    /// </summary>
    public static PostWritten Decide(
        Command command, JamPhase phase, RoomView? room, PostView? parent, long seq, string postId, DateTimeOffset now)
    {
        if (phase is JamPhase.Scheduled)
        {
            throw new JamException(ErrorCodes.PhaseClosed, "The jam has not opened yet; posting starts with the Discussion phase.");
        }

        if (phase is JamPhase.Closed)
        {
            throw new JamException(ErrorCodes.PhaseClosed, "The jam is closed; no more posts are taken.");
        }

        if (room is null)
        {
            throw JamException.NotFound($"There is no room '{command.RoomId}'.");
        }

        if (command.ParentId is not null && (parent is null || parent.RoomId != room.Id))
        {
            throw JamException.NotFound($"There is no post '{command.ParentId}' in room '{room.Id}' to reply to.");
        }

        if (parent is not null && parent.Depth + 1 > MaxDepth)
        {
            throw JamException.InvalidInput($"Replies nest at most {MaxDepth} deep; reply to an earlier post in this thread.");
        }

        return new PostWritten(
            room.Id,
            seq,
            postId,
            parent?.ThreadId ?? postId,
            parent?.Id,
            parent is null ? 0 : parent.Depth + 1,
            command.AuthorId,
            command.AuthorName,
            command.Body,
            command.ClientId,
            command.Reading.Language,
            command.Reading.Score,
            now);
    }

    /// <summary>NFC, no control characters but line breaks and tabs, trimmed; within 1 to <see cref="MaxBodyLength"/>.</summary>
    public static string NormalizeBody(string? body)
    {
        if (body is null)
        {
            throw JamException.InvalidInput("A post needs a body.");
        }

        var text = Clean(body).Trim();
        if (text.Length == 0)
        {
            throw JamException.InvalidInput("A post's body cannot be empty.");
        }

        if (text.Length > MaxBodyLength)
        {
            throw JamException.InvalidInput(
                string.Create(CultureInfo.InvariantCulture, $"A post's body is at most {MaxBodyLength} characters; this one has {text.Length}."));
        }

        return text;
    }

    /// <summary>A display name from a token issued elsewhere is cleaned like a body and capped; blank, the author id.</summary>
    internal static string CleanName(string name, string authorId)
    {
        var cleaned = TextInput.IsWellFormed(name) ? Clean(name).Trim() : "";
        return cleaned.Length == 0 ? authorId : TextInput.Truncate(cleaned, MaxNameLength);
    }

    internal static string Clean(string text) => TextInput.Clean(text);

    private static string Required(string? value, string name, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw JamException.InvalidInput($"A post needs {name}.");
        }

        return TextInput.Identifier(value, maxLength)
            ?? throw JamException.InvalidInput($"{name} must be at most {maxLength} printable characters.");
    }
}
