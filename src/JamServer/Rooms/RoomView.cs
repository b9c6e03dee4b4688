using JamServer.Discussion;
using JamServer.Jams;
using Marten.Events.Projections;

namespace JamServer.Rooms;

/// <summary>A room of the jam with its post count; <see cref="LastSeq"/> is the highest sequence number in it.</summary>
public sealed class RoomView
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public int Order { get; set; }
    public long LastSeq { get; set; }
}

public sealed class RoomViewProjection : MultiStreamProjection<RoomView, string>
{
    public RoomViewProjection()
    {
        Identity<RoomOpened>(e => e.RoomId);
        Identity<PostWritten>(e => e.RoomId);
    }

    public static RoomView Create(RoomOpened e) =>
        new() { Id = e.RoomId, Title = e.Title, Description = e.Description, Order = e.Position };

    public static void Apply(PostWritten e, RoomView view) => view.LastSeq = Math.Max(view.LastSeq, e.Seq);
}
