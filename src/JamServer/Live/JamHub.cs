using System.Security.Claims;
using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Proposals;
using JamServer.Rooms;
using JamServer.Voting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Merge = JamServer.Proposals.MergeProposals;
using Propose = JamServer.Proposals.ProposeIdea;

namespace JamServer.Live;

/// <summary>The live jam: validate, call the feature, and let <see cref="HubErrorFilter"/> map refusals to codes.</summary>
[Authorize]
public sealed class JamHub(
    JoinRoom joinRoom,
    RoomPresence presence,
    PostWriter posts,
    ParticipantRateLimits limits,
    Propose propose,
    Merge merge,
    BallotWriter ballots,
    TallyBroadcaster tallies)
    : Hub<IJamClient>
{
    private ClaimsPrincipal User => Context.User!;

    public Task<JoinRoomResult> JoinRoom(string roomId, long afterSeq) =>
        joinRoom.HandleAsync(Context, roomId, afterSeq);

    public Task LeaveRoom(string roomId) => joinRoom.LeaveAsync(Context, roomId);

    public async Task<PostAck> Post(PostRequest request)
    {
        var command = WritePost.Validate(request, User.ParticipantId(), User.DisplayName());
        limits.AcquirePost(command.AuthorId);
        return await posts.WriteAsync(command, Context.ConnectionAborted);
    }

    public Task<ProposeAck> ProposeIdea(ProposeRequest request)
    {
        var command = Propose.Validate(request, User.ParticipantId(), User.DisplayName());
        limits.AcquirePost(command.AuthorId);
        return propose.HandleAsync(command, Context.ConnectionAborted);
    }

    public Task<MergeAck> MergeProposals(string sourceId, string targetId, string reason)
    {
        if (!User.IsInRole(Roles.Moderator) && !User.IsInRole(Roles.Organizer))
        {
            throw new JamException(ErrorCodes.Forbidden, "Only moderators and organizers merge proposals.");
        }

        var command = Merge.Validate(sourceId, targetId, reason, User.ParticipantId());
        limits.AcquirePost(command.ModeratorId);
        return merge.HandleAsync(command, Context.ConnectionAborted);
    }

    public Task<VoteAck> Vote(string proposalId) => CastAsync(proposalId, retract: false);

    public Task<VoteAck> Unvote(string proposalId) => CastAsync(proposalId, retract: true);

    public override async Task OnConnectedAsync()
    {
        if (tallies.Last is { } tally)
        {
            await Clients.Caller.TallyUpdated(tally);
        }
    }

    private Task<VoteAck> CastAsync(string proposalId, bool retract)
    {
        var command = CastVote.Validate(proposalId, User.ParticipantId(), User.FindFirstValue(JamClaims.Kind), retract);
        limits.AcquireVote(command.VoterId);
        return ballots.WriteAsync(command, Context.ConnectionAborted);
    }

    public override Task OnDisconnectedAsync(Exception? exception) => presence.LeaveAllAsync(Context.ConnectionId, User.ParticipantId());
}
