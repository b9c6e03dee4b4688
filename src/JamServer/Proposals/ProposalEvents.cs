namespace JamServer.Proposals;

/// <summary>A participant turned a thread into a proposal; its id follows from the thread, so a thread holds one.</summary>
public sealed record ProposalMade(
    string ProposalId,
    string RoomId,
    string ThreadId,
    string Title,
    string Summary,
    string AuthorId,
    string AuthorName,
    string ClientId,
    DateTimeOffset ProposedAt);

/// <summary>A moderator merged this proposal into another: its votes count for the target from now on.</summary>
public sealed record ProposalMerged(string ProposalId, string TargetId, string MergedBy, string Reason, DateTimeOffset MergedAt);

/// <summary>The other side of <see cref="ProposalMerged"/>, on the target's stream, so two merges cannot cross.</summary>
public sealed record ProposalAbsorbed(string ProposalId, string SourceId, string MergedBy, DateTimeOffset MergedAt);
