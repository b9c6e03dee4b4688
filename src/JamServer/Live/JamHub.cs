using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Rooms;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.Live;

/// <summary>The live jam: validate, call the feature, and let <see cref="HubErrorFilter"/> map refusals to codes.</summary>
[Authorize]
public sealed class JamHub(JoinRoom joinRoom, RoomPresence presence, PostWriter posts, ParticipantRateLimits limits)
    : Hub<IJamClient>
{
    public static string RoomGroup(string roomId) => "room:" + roomId;

    public Task<JoinRoomResult> JoinRoom(string roomId, long afterSeq) =>
        joinRoom.HandleAsync(Context, Groups, roomId, afterSeq);

    public Task LeaveRoom(string roomId) => joinRoom.LeaveAsync(Context, Groups, roomId);

    public async Task<PostAck> Post(PostRequest request)
    {
        var command = WritePost.Validate(request, Context.User!.ParticipantId(), Context.User!.DisplayName());
        limits.AcquirePost(command.AuthorId);
        return await posts.WriteAsync(command, Context.ConnectionAborted);
    }

    public override Task OnDisconnectedAsync(Exception? exception) => presence.LeaveAllAsync(Context);
}
