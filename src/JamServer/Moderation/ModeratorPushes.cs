using MessagePack;

namespace JamServer.Moderation;

[MessagePackObject]
public sealed record SentimentBucketDto(
    [property: Key("start")] DateTime Start,
    [property: Key("seconds")] int Seconds,
    [property: Key("volume")] int Volume,
    [property: Key("mean")] double? Mean,
    [property: Key("shareNegative")] double ShareNegative,
    [property: Key("unscored")] int Unscored)
{
    public static SentimentBucketDto From(SentimentBucket b) =>
        new(b.Start.UtcDateTime, (int)b.Size.TotalSeconds, b.Volume, b.Mean, b.ShareNegative, b.Unscored);
}

/// <summary>To moderators: a room's (or, with roomId null, the jam's) current bucket after new posts.</summary>
[MessagePackObject]
public sealed record SentimentUpdateDto([property: Key("roomId")] string? RoomId, [property: Key("bucket")] SentimentBucketDto Bucket);

[MessagePackObject]
public sealed record ShiftFiguresDto(
    [property: Key("mean")] double? Mean,
    [property: Key("volume")] int Volume,
    [property: Key("shareNegative")] double ShareNegative,
    [property: Key("from")] DateTime From,
    [property: Key("to")] DateTime To)
{
    public static ShiftFiguresDto Of(ShiftFigures f) => new(f.Mean, f.Volume, f.ShareNegative, f.From.UtcDateTime, f.To.UtcDateTime);
}

/// <summary>To moderators, and from GET /api/moderation/alerts: a sentiment shift.</summary>
[MessagePackObject]
public sealed record ShiftAlertDto(
    [property: Key("alertId")] string AlertId,
    [property: Key("roomId")] string? RoomId,
    [property: Key("kind")] string Kind,
    [property: Key("before")] ShiftFiguresDto Before,
    [property: Key("after")] ShiftFiguresDto After,
    [property: Key("postIds")] IReadOnlyList<string> PostIds,
    [property: Key("detectedAt")] DateTime DetectedAt)
{
    public static ShiftAlertDto From(SentimentShiftRaised e) => new(
        e.AlertId, e.RoomId, e.Kind, ShiftFiguresDto.Of(e.Before), ShiftFiguresDto.Of(e.After), e.PostIds, e.DetectedAt.UtcDateTime);
}

[MessagePackObject]
public sealed record RoomCountsDto(
    [property: Key("roomId")] string RoomId,
    [property: Key("online")] long Online,
    [property: Key("postsPerMinute")] int PostsPerMinute);

/// <summary>To moderators every few seconds: who is online and how fast posts come, jam-wide and per room.</summary>
[MessagePackObject]
public sealed record LiveCountsDto(
    [property: Key("online")] long Online,
    [property: Key("postsPerMinute")] int PostsPerMinute,
    [property: Key("rooms")] IReadOnlyList<RoomCountsDto> Rooms);
