using Marten.Events.Aggregation;

namespace JamServer.Proposals;

/// <summary>A proposal as stored: the write model of merges and the read model of the proposal list.</summary>
public sealed class ProposalView
{
    public string Id { get; set; } = "";
    public string RoomId { get; set; } = "";
    public string ThreadId { get; set; } = "";
    public string Title { get; set; } = "";
    public string Summary { get; set; } = "";
    public string AuthorId { get; set; } = "";
    public string AuthorName { get; set; } = "";
    public string ClientId { get; set; } = "";
    public DateTimeOffset ProposedAt { get; set; }

    /// <summary>Set once the proposal was merged away; votes for it count for this one.</summary>
    public string? MergedInto { get; set; }

    /// <summary>The proposals merged into this one, directly.</summary>
    public List<string> MergedFrom { get; set; } = [];
    public long Version { get; set; }

    public bool IsOpen => MergedInto is null;
}

public sealed class ProposalViewProjection : SingleStreamProjection<ProposalView, string>
{
    public static ProposalView Create(ProposalMade e) => new()
    {
        Id = e.ProposalId,
        RoomId = e.RoomId,
        ThreadId = e.ThreadId,
        Title = e.Title,
        Summary = e.Summary,
        AuthorId = e.AuthorId,
        AuthorName = e.AuthorName,
        ClientId = e.ClientId,
        ProposedAt = e.ProposedAt,
    };

    public static void Apply(ProposalMerged e, ProposalView view) => view.MergedInto = e.TargetId;

    public static void Apply(ProposalAbsorbed e, ProposalView view) => view.MergedFrom.Add(e.SourceId);
}
