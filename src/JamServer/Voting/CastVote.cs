using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;
using MessagePack;

namespace JamServer.Voting;

[MessagePackObject]
public sealed record VoteAck([property: Key("remaining")] int Remaining);

/// <summary>Voting and taking a vote back: the budget and one-vote-per-proposal rules, as a pure decision.</summary>
public static class CastVote
{
    public sealed record Command(string VoterId, string VoterKind, string ProposalId, bool Retract);

    /// <summary>The events to append, the proposal the change counts for, and the votes left after it.</summary>
    public sealed record Decision(IReadOnlyList<object> Events, string CountsFor, int Remaining);

    public static Command Validate(string? proposalId, string voterId, string? kind, bool retract) =>
        new(voterId, KindOf(kind), ProposeIdea.Id(proposalId, "proposalId", 200), retract);

    /// <summary>Tokens from elsewhere may carry other kinds; they count as guests.</summary>
    public static string KindOf(string? kind) =>
        kind is not null && ParticipantKinds.All.Contains(kind) ? kind : "guest";

    /// <summary>
    /// Decides one vote or retraction against the ballot as stored. <paramref name="proposals"/> finds a proposal
    /// (null when unknown); the ballot's own proposals and their merge targets must all be findable.
    /// </summary>
    public static Decision Decide(
        BallotView ballot, Command command, Func<string, ProposalView?> proposals, int budget, JamPhase phase, DateTimeOffset now)
    {
        if (phase is not JamPhase.Voting)
        {
            throw new JamException(ErrorCodes.PhaseClosed, phase is JamPhase.Closed
                ? "Voting has ended."
                : "Voting opens when the discussion ends.");
        }

        var proposal = proposals(command.ProposalId)
            ?? throw JamException.NotFound($"There is no proposal '{command.ProposalId}'.");
        string? MergedInto(string id) => proposals(id)?.MergedInto;
        var effective = Effective(ballot.Proposals, MergedInto);
        var target = Merges.Resolve(proposal.Id, MergedInto);

        if (command.Retract)
        {
            // Taking back a merged-away proposal's vote takes back the vote where it now counts.
            var taken = ballot.Proposals.Where(id => Merges.Resolve(id, MergedInto) == target).Distinct().ToList();
            if (taken.Count == 0)
            {
                throw JamException.NotFound($"You have no vote on proposal '{command.ProposalId}' to take back.");
            }

            return new Decision(
                taken.Select(id => (object)new VoteRetracted(command.VoterId, id, now)).ToList(),
                target,
                budget - (effective.Count - 1));
        }

        if (proposal.MergedInto is not null)
        {
            throw JamException.NotFound($"Proposal '{proposal.Id}' was merged into '{target}'; vote for that one.");
        }

        if (effective.Contains(target))
        {
            throw new JamException(ErrorCodes.AlreadyVoted, $"You voted for proposal '{target}' already.");
        }

        if (effective.Count >= budget)
        {
            throw new JamException(ErrorCodes.BudgetExceeded, $"You have used all {budget} of your votes; take one back to vote again.");
        }

        var kind = ballot.Kind.Length > 0 ? ballot.Kind : command.VoterKind;
        return new Decision([new VoteCast(command.VoterId, target, kind, now)], target, budget - (effective.Count + 1));
    }

    /// <summary>The proposals a ballot counts for: each vote where it counts after merges, each proposal once.</summary>
    public static HashSet<string> Effective(IEnumerable<string> cast, Func<string, string?> mergedInto) =>
        cast.Select(id => Merges.Resolve(id, mergedInto)).ToHashSet(StringComparer.Ordinal);
}
