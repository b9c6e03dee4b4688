namespace JamServer.Voting;

/// <summary>A vote, on the voter's ballot stream; <paramref name="VoterKind"/> is the ballot's, fixed by its first vote.</summary>
public sealed record VoteCast(string VoterId, string ProposalId, string VoterKind, DateTimeOffset CastAt);

/// <summary>A vote taken back; the budget it used is free again.</summary>
public sealed record VoteRetracted(string VoterId, string ProposalId, DateTimeOffset RetractedAt);
