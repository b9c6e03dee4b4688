using JamServer.Discussion;
using JamServer.Jams;
using JamServer.Rooms;

namespace JamServer.Live;

/// <summary>What the server pushes to clients (docs/protocol.md).</summary>
public interface IJamClient
{
    Task PostAdded(PostDto post);

    Task PhaseChanged(JamDto jam);

    Task PresenceChanged(PresenceDto presence);

    Task TallyUpdated(Voting.TallyDto tally);

    /// <summary>To a room's members: one of its posts was hidden; keep its place, drop its body.</summary>
    Task PostHidden(Moderation.PostHiddenDto hidden);

    /// <summary>To a room's members: a hidden post is visible again, body and all.</summary>
    Task PostRestored(PostDto post);

    /// <summary>To moderators: a participant flagged a post.</summary>
    Task FlagRaised(Moderation.FlagDto flag);

    /// <summary>To moderators: a room's (or the jam's) current sentiment bucket changed; at most once a second each.</summary>
    Task SentimentUpdated(Moderation.SentimentUpdateDto update);

    /// <summary>To moderators: a room's or the jam's sentiment shifted.</summary>
    Task SentimentShift(Moderation.ShiftAlertDto alert);

    /// <summary>To moderators, every few seconds: participants online and posts per minute.</summary>
    Task LiveCounts(Moderation.LiveCountsDto counts);
}
