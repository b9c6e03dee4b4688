namespace JamServer.Voting;

/// <summary>
/// One participant's ballot: the proposals voted for, as cast (merges are resolved when counting). The ballot writer
/// stores it with the ballot's events, in the same transaction, as the state its next decision starts from.
/// </summary>
public sealed class BallotView
{
    public string Id { get; set; } = "";
    public string VoterId { get; set; } = "";
    public string Kind { get; set; } = "";
    public List<string> Proposals { get; set; } = [];

    /// <summary>The version of the ballot's event stream this state includes.</summary>
    public long StreamVersion { get; set; }

    public static string StreamIdOf(string voterId) => "ballot:" + voterId;

    public static BallotView Empty(string voterId) => new() { Id = StreamIdOf(voterId), VoterId = voterId };

    public void Apply(VoteCast e)
    {
        if (Kind.Length == 0)
        {
            Kind = e.VoterKind;
        }

        Proposals.Add(e.ProposalId);
    }

    public void Apply(VoteRetracted e) => Proposals.Remove(e.ProposalId);

    /// <summary>Applies a ballot event; anything else is not a ballot's and is ignored.</summary>
    public void Apply(object e)
    {
        switch (e)
        {
            case VoteCast cast:
                Apply(cast);
                break;
            case VoteRetracted retracted:
                Apply(retracted);
                break;
        }
    }
}
