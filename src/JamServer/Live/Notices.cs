using System.Text.Json.Serialization;
using JamServer.Discussion;
using JamServer.Moderation;

namespace JamServer.Live;

/// <summary>
/// A push to a room's members that crosses nodes as JSON; one typed field per kind, so it reads back as what was sent.
/// </summary>
public sealed record RoomNotice(string RoomId, PostHiddenDto? Hidden = null, PostDto? Restored = null)
{
    [JsonIgnore]
    public string Method => Hidden is not null ? nameof(IJamClient.PostHidden) : nameof(IJamClient.PostRestored);

    [JsonIgnore]
    public object Argument => (object?)Hidden ?? Restored!;

    public static RoomNotice Of(string roomId, string method, object argument) => (method, argument) switch
    {
        (nameof(IJamClient.PostHidden), PostHiddenDto hidden) => new(roomId, Hidden: hidden),
        (nameof(IJamClient.PostRestored), PostDto restored) => new(roomId, Restored: restored),
        _ => throw new ArgumentException($"{method} is not a room notice.", nameof(method)),
    };
}

/// <summary>A push to every node's moderators, as JSON between nodes.</summary>
public sealed record ModeratorNotice(FlagDto? Flag = null, ShiftAlertDto? Shift = null)
{
    [JsonIgnore]
    public string Method => Flag is not null ? nameof(IJamClient.FlagRaised) : nameof(IJamClient.SentimentShift);

    [JsonIgnore]
    public object Argument => (object?)Flag ?? Shift!;

    public static ModeratorNotice Of(string method, object argument) => (method, argument) switch
    {
        (nameof(IJamClient.FlagRaised), FlagDto flag) => new(Flag: flag),
        (nameof(IJamClient.SentimentShift), ShiftAlertDto shift) => new(Shift: shift),
        _ => throw new ArgumentException($"{method} is not a moderator notice.", nameof(method)),
    };
}

/// <summary>A post's language and sentiment as stored (null in posts from before scoring), carried to other nodes with it.</summary>
public sealed record PostReading(string? Language, double? Score)
{
    public static readonly PostReading None = new(null, null);
}
