using System.Security.Claims;
using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Moderation;
using JamServer.Moderation.Sentiment;
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
    TallyBroadcaster tallies,
    Guidelines guidelines,
    PostModerator moderator,
    RoomFanout fanout,
    ISentimentScorer scorer)
    : Hub<IJamClient>
{
    private ClaimsPrincipal User => Context.User!;

    public Task<JoinRoomResult> JoinRoom(string roomId, long afterSeq)
    {
        limits.AcquireJoin(User.ParticipantId());
        return joinRoom.HandleAsync(Context, roomId, afterSeq);
    }

    public Task LeaveRoom(string roomId) => joinRoom.LeaveAsync(Context, roomId);

    public Task<GuidelinesAck> AcceptGuidelines() => guidelines.AcceptAsync(User.ParticipantId(), Context.ConnectionAborted);

    public async Task<PostAck> Post(PostRequest request)
    {
        var command = WritePost.Validate(request, User.ParticipantId(), User.DisplayName());
        limits.AcquirePost(command.AuthorId);
        await guidelines.EnsureAcceptedAsync(command.AuthorId, Context.ConnectionAborted);
        return await posts.WriteAsync(command with { Reading = scorer.Score(command.Body) }, Context.ConnectionAborted);
    }

    public async Task<ProposeAck> ProposeIdea(ProposeRequest request)
    {
        var command = Propose.Validate(request, User.ParticipantId(), User.DisplayName());
        limits.AcquirePost(command.AuthorId);
        await guidelines.EnsureAcceptedAsync(command.AuthorId, Context.ConnectionAborted);
        return await propose.HandleAsync(command, Context.ConnectionAborted);
    }

    public Task<FlagAck> Flag(string postId, string reason)
    {
        var command = FlagPost.Validate(postId, reason, User.ParticipantId());
        limits.AcquireFlag(command.FlaggerId);
        return moderator.FlagAsync(command, Context.ConnectionAborted);
    }

    public Task<ModerationAck> HidePost(string postId, string reason)
    {
        RequireModerator("hide posts");
        return moderator.HideAsync(Moderation.HidePost.Validate(postId, reason, User.ParticipantId()), Context.ConnectionAborted);
    }

    public Task<ModerationAck> RestorePost(string postId, string reason)
    {
        RequireModerator("restore posts");
        return moderator.RestoreAsync(Moderation.RestorePost.Validate(postId, reason, User.ParticipantId()), Context.ConnectionAborted);
    }

    public Task<MergeAck> MergeProposals(string sourceId, string targetId, string reason)
    {
        RequireModerator("merge proposals");
        var command = Merge.Validate(sourceId, targetId, reason, User.ParticipantId());
        limits.AcquirePost(command.ModeratorId);
        return merge.HandleAsync(command, Context.ConnectionAborted);
    }

    public Task<VoteAck> Vote(string proposalId) => CastAsync(proposalId, retract: false);

    public Task<VoteAck> Unvote(string proposalId) => CastAsync(proposalId, retract: true);

    public override async Task OnConnectedAsync()
    {
        await presence.EnterAsync(Context.ConnectionId, User.ParticipantId(), RoomPresence.Jam);
        if (User.IsModerating())
        {
            fanout.WatchModeration(Context.ConnectionId);
        }

        if (tallies.Last is { } tally)
        {
            await Clients.Caller.TallyUpdated(tally);
        }
    }

    private void RequireModerator(string what)
    {
        if (!User.IsModerating())
        {
            throw new JamException(ErrorCodes.Forbidden, $"Only moderators and organizers {what}.");
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
