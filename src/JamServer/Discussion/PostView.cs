using Marten;
using Marten.Events.Projections;

namespace JamServer.Discussion;

/// <summary>A post as readers see it; one document per post, written in the same transaction as its event.</summary>
public sealed class PostView
{
    public string Id { get; set; } = "";
    public string RoomId { get; set; } = "";
    public long Seq { get; set; }
    public string ThreadId { get; set; } = "";
    public string? ParentId { get; set; }
    public int Depth { get; set; }
    public string AuthorId { get; set; } = "";
    public string AuthorName { get; set; } = "";
    public string Body { get; set; } = "";

    /// <summary>The author's id and the client-made id together; unique, so a resent post is stored once.</summary>
    public string IdempotencyKey { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public string? Language { get; set; }
    public double? Sentiment { get; set; }

    /// <summary>Hidden by the community's flags or a moderator (see Moderation/); never deleted.</summary>
    public bool Hidden { get; set; }

    public static string KeyOf(string authorId, string clientId) => $"{authorId}\n{clientId}";
}

/// <summary>Inline: a post's view is written with its event, and marked hidden or visible with its moderation's.</summary>
public sealed partial class PostViewProjection : EventProjection
{
    public static async Task Project(Moderation.PostHidden e, IDocumentOperations ops, CancellationToken ct) =>
        await MarkAsync(e.PostId, hidden: true, ops, ct);

    public static async Task Project(Moderation.PostRestored e, IDocumentOperations ops, CancellationToken ct) =>
        await MarkAsync(e.PostId, hidden: false, ops, ct);

    private static async Task MarkAsync(string postId, bool hidden, IDocumentOperations ops, CancellationToken ct)
    {
        if (await ops.LoadAsync<PostView>(postId, ct) is { } view && view.Hidden != hidden)
        {
            view.Hidden = hidden;
            ops.Store(view);
        }
    }

    public static PostView Create(PostWritten e) => new()
    {
        Id = e.PostId,
        RoomId = e.RoomId,
        Seq = e.Seq,
        ThreadId = e.ThreadId,
        ParentId = e.ParentId,
        Depth = e.Depth,
        AuthorId = e.AuthorId,
        AuthorName = e.AuthorName,
        Body = e.Body,
        IdempotencyKey = PostView.KeyOf(e.AuthorId, e.ClientId),
        CreatedAt = e.WrittenAt,
        Language = e.Language,
        Sentiment = e.Sentiment,
    };
}
