using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Live;
using Marten;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace JamServer.Moderation;

/// <summary>
/// Carries out flag, hide and restore: reads the post and its moderation, decides, and appends the events with the
/// post's new moderation state and visibility in one transaction. Only then tells the room and the moderators, also
/// when the commit came only after the caller was told UNAVAILABLE.
/// </summary>
public sealed class PostModerator(
    IDocumentStore store,
    RoomFanout fanout,
    IOptions<ModerationOptions> options,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    ILogger<PostModerator> log)
{
    private const int MaxAttempts = 20;

    public async Task<FlagAck> FlagAsync(FlagPost.Command command, CancellationToken ct)
    {
        var state = await ApplyAsync(command.PostId, (s, now) => FlagPost.Decide(command, s, options.Value.FlagThreshold, now), ct);
        return new FlagAck(command.PostId, state.OpenFlagCount, state.Hidden);
    }

    public async Task<ModerationAck> HideAsync(HidePost.Command command, CancellationToken ct) =>
        ModerationAck.Of(await ApplyAsync(command.PostId, (s, now) => HidePost.Decide(command, s, now), ct));

    public async Task<ModerationAck> RestoreAsync(RestorePost.Command command, CancellationToken ct) =>
        ModerationAck.Of(await ApplyAsync(command.PostId, (s, now) => RestorePost.Decide(command, s, now), ct));

    private async Task<PostModeration> ApplyAsync(
        string postId, Func<PostModeration, DateTimeOffset, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await pipelines.StoreThenAsync(token => TryApplyAsync(postId, decide, token), TellAsync, log, ct) is { } applied)
            {
                return applied.State;
            }

            // Someone else flagged or reviewed the post meanwhile: decide again on what they left, after a short
            // random pause so that a crowd flagging one post at once spreads out.
            if (attempt >= MaxAttempts)
            {
                throw new JamException(ErrorCodes.Unavailable, "The post is being moderated by many at once; try again.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 + (10 * attempt))), clock, ct);
        }
    }

    /// <summary>One decision on the stored state, committed; null when another decision committed first.</summary>
    private async Task<Applied?> TryApplyAsync(
        string postId, Func<PostModeration, DateTimeOffset, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var post = await session.LoadAsync<PostView>(postId, ct) ?? throw JamException.NotFound($"There is no post '{postId}'.");
        var state = await session.LoadAsync<PostModeration>(postId, ct) ?? PostModeration.Fresh(post.Id, post.RoomId, post.AuthorId);
        var wasHidden = state.Hidden;
        var facts = decide(state, clock.GetUtcNow());

        var streamId = PostModeration.StreamIdOf(postId);
        if (state.Version == 0)
        {
            session.Events.StartStream(streamId, facts.ToArray());
        }
        else
        {
            session.Events.Append(streamId, state.Version + facts.Count, facts.ToArray());
        }

        foreach (var fact in facts)
        {
            state.Apply(fact);
        }

        // The post's view follows its hide or restore in the same transaction (PostViewProjection).
        session.Store(state);
        post.Hidden = state.Hidden;

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (Resilience.IsConflict(ex))
        {
            return null;
        }

        return new Applied(post, state, facts, wasHidden);
    }

    private sealed record Applied(PostView Post, PostModeration State, IReadOnlyList<object> Facts, bool WasHidden);

    private Task TellAsync(Applied? applied)
    {
        if (applied is not null)
        {
            Tell(applied.Post, applied.Facts, applied.WasHidden);
        }

        return Task.CompletedTask;
    }

    private void Tell(PostView post, IReadOnlyList<object> facts, bool wasHidden)
    {
        foreach (var fact in facts)
        {
            switch (fact)
            {
                case PostFlagged flagged:
                    fanout.PushToModerators(nameof(IJamClient.FlagRaised), FlagDto.From(flagged, post));
                    break;
                case PostHidden hidden:
                    fanout.PushToRoom(post.RoomId, nameof(IJamClient.PostHidden), new PostHiddenDto(post.Id, post.RoomId, post.Seq, hidden.ByCommunity));
                    break;
                case PostRestored when wasHidden:
                    fanout.PushToRoom(post.RoomId, nameof(IJamClient.PostRestored), PostDto.From(post, seesHidden: true));
                    break;
            }
        }
    }
}
