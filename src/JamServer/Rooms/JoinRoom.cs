using JamServer.Identity;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Live;
using Marten;
using MessagePack;
using Microsoft.AspNetCore.SignalR;
using Polly.Registry;

namespace JamServer.Rooms;

/// <summary>
/// The posts after <c>afterSeq</c> in order, then the live stream. <see cref="LastSeq"/> is the last sequence number
/// the client now holds; when <see cref="HasMore"/> is set the catch-up was cut at <see cref="JoinRoom.MaxCatchUp"/>
/// and the client asks again from <see cref="LastSeq"/>.
/// </summary>
[MessagePackObject]
public sealed record JoinRoomResult(
    [property: Key("roomId")] string RoomId,
    [property: Key("posts")] IReadOnlyList<PostDto> Posts,
    [property: Key("lastSeq")] long LastSeq,
    [property: Key("hasMore")] bool HasMore);

public sealed class JoinRoom(
    RoomCatalog rooms, RoomPresence presence, RoomFanout fanout, IDocumentStore store, ResiliencePipelineProvider<string> pipelines,
    JamMetrics metrics)
{
    public const int MaxCatchUp = ReadPosts.MaxLimit;
    public const int MaxRoomsPerConnection = 20;

    public async Task<JoinRoomResult> HandleAsync(HubCallerContext context, string roomId, long afterSeq)
    {
        if (string.IsNullOrWhiteSpace(roomId))
        {
            throw JamException.InvalidInput("JoinRoom needs a roomId.");
        }

        if (afterSeq < 0)
        {
            throw JamException.InvalidInput("afterSeq cannot be negative; use 0 to get a room from its start.");
        }

        var ct = context.ConnectionAborted;
        var room = await pipelines.StoreAsync(token => rooms.FindAsync(roomId, token), ct)
            ?? throw JamException.NotFound($"There is no room '{roomId}'.");

        // The catalog's copy of the id, held for the connection's life instead of the one parsed from this call.
        roomId = room.Id;
        var participantId = context.User!.ParticipantId();
        if (!presence.RoomsOf(context.ConnectionId).Contains(roomId) && presence.JoinedCount(context.ConnectionId) >= MaxRoomsPerConnection)
        {
            throw JamException.InvalidInput($"A connection can be in at most {MaxRoomsPerConnection} rooms; leave one first.");
        }

        // Into the room's fan-out before reading the store: every post committed after the read arrives live, so there is
        // no gap. One committed during the read may arrive both ways; clients drop a seq they already hold.
        var entered = await presence.EnterAsync(context.ConnectionId, participantId, roomId);
        fanout.Join(context.ConnectionId, roomId);
        try
        {
            // Closed while joining: its disconnect may have cleaned up before this join recorded anything.
            ct.ThrowIfCancellationRequested();
            var seesHidden = context.User!.SeesHiddenPosts();
            var posts = await pipelines.StoreAsync(
                async token =>
                {
                    await using var session = store.QuerySession();
                    return await ReadPosts.AfterAsync(session, roomId, afterSeq, MaxCatchUp + 1, seesHidden, token);
                }, ct);
            var hasMore = posts.Count > MaxCatchUp;
            var caughtUp = hasMore ? posts.Take(MaxCatchUp).ToList() : posts;
            var lastSeq = caughtUp.Count > 0 ? caughtUp[^1].Seq : afterSeq;
            metrics.RoomJoined();
            return new JoinRoomResult(roomId, caughtUp, lastSeq, hasMore);
        }
        catch when (entered)
        {
            // A join that answers with an error joins nothing.
            fanout.Leave(context.ConnectionId, roomId);
            await presence.ExitAsync(context.ConnectionId, participantId, roomId);
            throw;
        }
    }

    public async Task LeaveAsync(HubCallerContext context, string roomId)
    {
        if (string.IsNullOrWhiteSpace(roomId))
        {
            throw JamException.InvalidInput("LeaveRoom needs a roomId.");
        }

        if (roomId == RoomPresence.Jam)
        {
            throw JamException.InvalidInput("The jam as a whole is left by closing the connection, not by LeaveRoom.");
        }

        fanout.Leave(context.ConnectionId, roomId);
        await presence.ExitAsync(context.ConnectionId, context.User!.ParticipantId(), roomId);
    }
}
