using Marten.Events.Aggregation;

namespace JamServer.Voting;

/// <summary>One participant's ballot: the proposals voted for, as cast (merges are resolved when counting).</summary>
public sealed class BallotView
{
    public string Id { get; set; } = "";
    public string VoterId { get; set; } = "";
    public string Kind { get; set; } = "";
    public List<string> Proposals { get; set; } = [];
    public long Version { get; set; }

    public static string StreamIdOf(string voterId) => "ballot:" + voterId;

    public static BallotView Empty(string voterId) => new() { Id = StreamIdOf(voterId), VoterId = voterId };
}

public sealed class BallotViewProjection : SingleStreamProjection<BallotView, string>
{
    public static BallotView Create(VoteCast e)
    {
        var ballot = BallotView.Empty(e.VoterId);
        Apply(e, ballot);
        return ballot;
    }

    public static void Apply(VoteCast e, BallotView ballot)
    {
        if (ballot.Kind.Length == 0)
        {
            ballot.Kind = e.VoterKind;
        }

        ballot.Proposals.Add(e.ProposalId);
    }

    public static void Apply(VoteRetracted e, BallotView ballot) => ballot.Proposals.Remove(e.ProposalId);
}
