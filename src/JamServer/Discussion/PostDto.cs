using MessagePack;

namespace JamServer.Discussion;

/// <summary>A post on the wire (hub and HTTP); the field names are the public contract.</summary>
[MessagePackObject]
public sealed record PostDto(
    [property: Key("postId")] string PostId,
    [property: Key("roomId")] string RoomId,
    [property: Key("threadId")] string ThreadId,
    [property: Key("parentId")] string? ParentId,
    [property: Key("depth")] int Depth,
    [property: Key("seq")] long Seq,
    [property: Key("authorId")] string AuthorId,
    [property: Key("authorName")] string AuthorName,
    [property: Key("body")] string Body,
    [property: Key("createdAt")] DateTime CreatedAt,
    [property: Key("hidden")] bool Hidden = false)
{
    /// <summary>A hidden post keeps its place in the thread; its body goes only to those who <paramref name="seesHidden"/>.</summary>
    public static PostDto From(PostView p, bool seesHidden) => new(
        p.Id, p.RoomId, p.ThreadId, p.ParentId, p.Depth, p.Seq, p.AuthorId, p.AuthorName,
        p.Hidden && !seesHidden ? "" : p.Body, p.CreatedAt.UtcDateTime, p.Hidden);

    public static PostDto From(PostWritten e) =>
        new(e.PostId, e.RoomId, e.ThreadId, e.ParentId, e.Depth, e.Seq, e.AuthorId, e.AuthorName, e.Body, e.WrittenAt.UtcDateTime);
}
