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
}
