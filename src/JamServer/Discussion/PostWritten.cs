namespace JamServer.Discussion;

/// <summary>
/// A post or reply was written into a room. The room's event stream holds only these, so
/// <paramref name="Seq"/> equals the event's version in that stream.
/// </summary>
public sealed record PostWritten(
    string RoomId,
    long Seq,
    string PostId,
    string ThreadId,
    string? ParentId,
    int Depth,
    string AuthorId,
    string AuthorName,
    string Body,
    string ClientId,
    DateTimeOffset WrittenAt);
