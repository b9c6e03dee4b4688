using JamServer.Discussion;
using MessagePack;

namespace JamServer.Moderation;

/// <summary>The answer to HidePost and RestorePost.</summary>
[MessagePackObject]
public sealed record ModerationAck(
    [property: Key("postId")] string PostId,
    [property: Key("hidden")] bool Hidden,
    [property: Key("openFlags")] int OpenFlags)
{
    public static ModerationAck Of(PostModeration state) => new(state.Id, state.Hidden, state.OpenFlagCount);
}

/// <summary>Pushed to a room when one of its posts is hidden: clients keep its place and drop its body.</summary>
[MessagePackObject]
public sealed record PostHiddenDto(
    [property: Key("postId")] string PostId,
    [property: Key("roomId")] string RoomId,
    [property: Key("seq")] long Seq,
    [property: Key("byCommunity")] bool ByCommunity);

/// <summary>Pushed to moderators for each flag.</summary>
[MessagePackObject]
public sealed record FlagDto(
    [property: Key("postId")] string PostId,
    [property: Key("roomId")] string RoomId,
    [property: Key("seq")] long Seq,
    [property: Key("flaggerId")] string FlaggerId,
    [property: Key("reason")] string Reason,
    [property: Key("flaggedAt")] DateTime FlaggedAt)
{
    public static FlagDto From(PostFlagged e, PostView post) =>
        new(e.PostId, e.RoomId, post.Seq, e.FlaggerId, e.Reason, e.FlaggedAt.UtcDateTime);
}
