using System.Globalization;
using System.Text;

namespace JamLoad;

/// <summary>What a compressed replay of a whole jam did, how long each phase took, and whether the tally agreed.</summary>
public sealed record ReplayResult
{
    public required string Name { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Why the run stopped early (the hard limit, Ctrl-C, a failed step), or null when it ran to the end.</summary>
    public string? Stopped { get; init; }

    public int Participants { get; init; }
    public int Authors { get; init; }
    public int Rooms { get; init; }
    public int PostsPlanned { get; init; }
    public long PostsAcked { get; init; }
    public long PostResends { get; init; }
    public int Threads { get; init; }
    public int Visits { get; init; }
    public int ProposalsPlanned { get; init; }
    public int ProposalsMade { get; init; }
    public int Budget { get; init; }
    public long VotesPlanned { get; init; }
    public long VotesAcked { get; init; }
    public long VotersDone { get; init; }
    public int Concurrent { get; init; }
    public int PeakConnected { get; init; }

    public double DiscussionSeconds { get; init; }
    public double ProposalsSeconds { get; init; }
    public double VotingSeconds { get; init; }

    /// <summary>From the close to the shortlist's publication, by the server's clock.</summary>
    public double CountingSeconds { get; init; }

    /// <summary>From the start of the run until the published shortlist was seen: the replayed jam.</summary>
    public double JamSeconds { get; init; }
    public double CheckSeconds { get; init; }
    public double RealHours { get; init; }

    public double PostsPerSecond => DiscussionSeconds > 0 ? Math.Round(PostsAcked / DiscussionSeconds, 0) : 0;
    public double VotesPerSecond => VotingSeconds > 0 ? Math.Round(VotesAcked / VotingSeconds, 0) : 0;
    public long PeakPostsPerSecond { get; init; }
    public long PeakVotesPerSecond { get; init; }

    /// <summary>Real time (<see cref="RealHours"/>) over the replay's wall time.</summary>
    public double TimesFasterThanReal => JamSeconds > 0 && Stopped is null ? Math.Round(RealHours * 3600 / JamSeconds, 1) : 0;

    public LatencySummary? PostAck { get; init; }
    public LatencySummary? VoteAck { get; init; }
    public IReadOnlyDictionary<string, long> PostRefusals { get; init; } = new SortedDictionary<string, long>();
    public IReadOnlyDictionary<string, long> ProposalRefusals { get; init; } = new SortedDictionary<string, long>();
    public IReadOnlyDictionary<string, long> VoteRefusals { get; init; } = new SortedDictionary<string, long>();

    public long? PublishedVotes { get; init; }
    public int? PublishedBallots { get; init; }
    public long CountedBallots { get; init; }
    public string? PublishedDigest { get; init; }
    public string? ExpectedDigest { get; init; }
    public int ShortlistSize { get; init; }
    public int ShortlistMatching { get; init; }
    public bool RankingMatches { get; init; }
    public int ProposalsListed { get; init; }
    public int ProposalsMatching { get; init; }
    public int RoomsMatching { get; init; }

    /// <summary>The first differences found, for people.</summary>
    public IReadOnlyList<string> Differences { get; init; } = [];

    public bool TallyMatches => PublishedVotes == VotesAcked && PublishedBallots == CountedBallots
        && PublishedDigest is not null && PublishedDigest == ExpectedDigest
        && ShortlistSize > 0 && ShortlistMatching == ShortlistSize && RankingMatches;

    /// <summary>Every planned post, proposal and vote acknowledged, nothing refused, and the tally equal to what was cast.</summary>
    public bool Clean => Stopped is null && PostsAcked == PostsPlanned && ProposalsMade == ProposalsPlanned && VotesAcked == VotesPlanned
        && PostRefusals.Count == 0 && ProposalRefusals.Count == 0 && VoteRefusals.Count == 0
        && TallyMatches && ProposalsMatching == ProposalsMade && ProposalsListed == ProposalsMade && RoomsMatching == Rooms;

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"### {Name}: a whole jam, compressed");
        md.AppendLine();
        md.AppendLine(c, $"Measured {StartedAt:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine();
        md.AppendLine(c, $"{Participants:N0} participants. Discussion: {PostsAcked:N0} of {PostsPlanned:N0} posts acknowledged after durable store, in {Threads:N0} threads over {Rooms} rooms (Zipf popularity), written by {Authors:N0} distinct participants in {Visits:N0} visits of a few posts each (one lean connection per visit). {ProposalsMade:N0} of {ProposalsPlanned:N0} threads were made proposals. Voting: every participant signed in, connected (at most {Concurrent:N0} at once, {PeakConnected:N0} at the peak), cast its votes for distinct proposals by Zipf popularity, pipelined on its connection, and left; then the organizer closed the jam.");
        md.AppendLine();
        md.AppendLine("| phase | work | time | rate | ack p50 / p99 / max ms |");
        md.AppendLine("|---|---|---:|---:|---:|");
        md.AppendLine(c, $"| Discussion | {PostsAcked:N0} posts | {DiscussionSeconds:0.0} s | {PostsPerSecond:N0} posts/s (best second {PeakPostsPerSecond:N0}) | {Latency(PostAck)} |");
        md.AppendLine(c, $"| Proposals | {ProposalsMade:N0} proposals | {ProposalsSeconds:0.0} s | | |");
        md.AppendLine(c, $"| Voting | {VotesAcked:N0} votes by {VotersDone:N0} voters | {VotingSeconds:0.0} s | {VotesPerSecond:N0} votes/s (best second {PeakVotesPerSecond:N0}) | {Latency(VoteAck)} |");
        md.AppendLine(c, $"| Counting | close to published shortlist | {CountingSeconds:0.0} s | | |");
        md.AppendLine(Stopped is null
            ? string.Create(c, $"| **Whole jam** | start to published shortlist | **{JamSeconds:0.0} s** | **{TimesFasterThanReal:N0}× faster than real time** ({RealHours:0.#} h) | |")
            : string.Create(c, $"| **Whole jam** | stopped early | {JamSeconds:0.0} s | | |"));
        md.AppendLine();
        if (PublishedVotes is null)
        {
            md.AppendLine("Tally: **not checked**: no shortlist was published.");
        }
        else
        {
            md.AppendLine(c, $"Tally: **{(TallyMatches ? "matches the votes cast" : "does NOT match the votes cast")}**. Published {PublishedVotes:N0} votes in {PublishedBallots:N0} ballots against {VotesAcked:N0} votes acknowledged in {CountedBallots:N0} ballots; the digest {(PublishedDigest is not null && PublishedDigest == ExpectedDigest ? "equals" : "differs from")} the one computed from the acknowledged ballots; {ShortlistMatching} of {ShortlistSize} shortlisted proposals have the acknowledged votes and voters by kind, ranked {(RankingMatches ? "as" : "NOT as")} the acknowledged counts rank them. Live support (`GET /api/proposals?roomId=`, every room): {ProposalsMatching:N0} of {ProposalsMade:N0} proposals equal to the acknowledged count ({ProposalsListed:N0} listed). Rooms whose post count equals the posts acknowledged in them: {RoomsMatching} of {Rooms}. Checks took {CheckSeconds:0.0} s.");
        }

        md.AppendLine();
        md.AppendLine(c, $"Refusals: posts {Refusals(PostRefusals)} ({PostResends:N0} resent after UNAVAILABLE or no answer); proposals {Refusals(ProposalRefusals)}; votes {Refusals(VoteRefusals)}.{(Stopped is null ? "" : $" **Stopped early: {Stopped}.**")}");
        if (Differences.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Differences found:");
            md.AppendLine();
            foreach (var difference in Differences)
            {
                md.AppendLine(c, $"- {difference}");
            }
        }

        return md.ToString();
    }

    private static string Latency(LatencySummary? latency) =>
        latency is null || latency.Count == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $"{latency.P50Ms:0} / {latency.P99Ms:0} / {latency.MaxMs:0}");

    private static string Refusals(IReadOnlyDictionary<string, long> refusals) =>
        refusals.Count == 0 ? "none" : string.Join(", ", refusals.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value:N0}")));
}
