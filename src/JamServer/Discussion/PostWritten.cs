namespace JamServer.Discussion;

/// <summary>
/// A post or reply was written into a room. The room's event stream holds only these, so
/// <paramref name="Seq"/> equals the event's version in that stream. <paramref name="Language"/> and
/// <paramref name="Sentiment"/> are the scorer's reading when it was written (docs/moderation.md); both are null in
/// posts stored before posts were scored, and <paramref name="Sentiment"/> is null for a language not scored.
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
    string? Language,
    double? Sentiment,
    DateTimeOffset WrittenAt);
