using MessagePack;

namespace JamServer.Jams;

[MessagePackObject]
public sealed record JamDto(
    [property: Key("id")] string Id,
    [property: Key("title")] string Title,
    [property: Key("phase")] string Phase,
    [property: Key("phaseEndsAt")] DateTime? PhaseEndsAt,
    [property: Key("serverTime")] DateTime ServerTime,
    [property: Key("voteBudget")] int VoteBudget,
    [property: Key("shortlistSize")] int ShortlistSize)
{
    public static JamDto From(JamView jam, DateTimeOffset now) =>
        new(jam.Id, jam.Title, jam.Phase.ToString(), jam.PhaseEndsAt?.UtcDateTime, now.UtcDateTime, jam.VoteBudget, jam.ShortlistSize);
}
