using MessagePack;

// JamServer's hub messages as they travel (docs/protocol.md), for the load tool and the bare hub: both speak the
// wire contract without depending on the server's assembly.
namespace JamLoad.Wire;

[MessagePackObject]
public sealed record PostRequest(
    [property: Key("roomId")] string RoomId,
    [property: Key("parentId")] string? ParentId,
    [property: Key("body")] string Body,
    [property: Key("clientId")] string ClientId);

[MessagePackObject]
public sealed record PostAck([property: Key("postId")] string PostId, [property: Key("seq")] long Seq);

[MessagePackObject]
public sealed record JoinRoomResult(
    [property: Key("roomId")] string RoomId,
    [property: Key("posts")] IReadOnlyList<PostDto> Posts,
    [property: Key("lastSeq")] long LastSeq,
    [property: Key("hasMore")] bool HasMore);

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
    [property: Key("createdAt")] DateTime CreatedAt);
