using System.Security.Cryptography;
using System.Text;
using JamServer.Identity;
using JamServer.Proposals;

namespace JamServer.Voting;

/// <summary>A proposal's final count: distinct voters whose ballot counts for it, by kind.</summary>
public sealed record ProposalCount(
    string ProposalId, long Votes, IReadOnlyDictionary<string, long> VotersByKind, IReadOnlyList<string> MergedFrom, DateTimeOffset ProposedAt);

/// <summary>The authoritative result: every open proposal ranked, the counted ballots and their digest.</summary>
public sealed record TallyResult(IReadOnlyList<ProposalCount> Ranking, int Ballots, long Votes, string Digest, IReadOnlyList<string> BallotHashes);

/// <summary>
/// Counts votes from the events alone. Replays each ballot's casts and retractions in order, resolves merged-away
/// proposals to where they count, counts each voter once per proposal, and ranks by the documented rule: more votes
/// first, then the earlier proposal, then the proposal id (ordinal).
/// </summary>
public sealed class Tally
{
    public const string VoteCastType = "vote_cast";
    public const string VoteRetractedType = "vote_retracted";

    // Proposal ids are interned: five million votes name a few thousand proposals.
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private readonly Dictionary<string, Ballot> _ballots = new(StringComparer.Ordinal);

    public long EventsRead { get; private set; }

    public void Cast(string voterId, string proposalId, string kind)
    {
        EventsRead++;
        var ballot = BallotOf(voterId);
        ballot.Events++;
        if (ballot.Kind.Length == 0)
        {
            ballot.Kind = CastVote.KindOf(kind);
        }

        ballot.Cast.Add(IndexOf(proposalId));
    }

    public void Retract(string voterId, string proposalId)
    {
        EventsRead++;
        var ballot = BallotOf(voterId);
        ballot.Events++;
        ballot.Cast.Remove(IndexOf(proposalId));
    }

    /// <summary>Every ballot as the events leave it: its proposals as cast, and its version (its number of events).</summary>
    public IEnumerable<LiveTally.BallotState> Ballots() =>
        _ballots.Select(b => new LiveTally.BallotState(b.Key, b.Value.Kind, b.Value.Events, b.Value.Cast.Select(i => _ids[i]).ToList()));

    public TallyResult Count(IReadOnlyCollection<ProposalMade> proposals, IReadOnlyCollection<ProposalMerged> merges)
    {
        var mergedInto = merges.ToDictionary(m => m.ProposalId, m => m.TargetId, StringComparer.Ordinal);
        string Resolve(string id) => Merges.Resolve(id, mergedInto.GetValueOrDefault);
        var countsFor = _ids.Select(Resolve).ToArray();

        var byKind = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var hashes = new List<string>(_ballots.Count);
        long votes = 0;
        var effective = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (voterId, ballot) in _ballots)
        {
            effective.Clear();
            foreach (var index in ballot.Cast)
            {
                effective.Add(countsFor[index]);
            }

            if (effective.Count == 0)
            {
                continue;
            }

            foreach (var proposalId in effective)
            {
                var kinds = byKind.TryGetValue(proposalId, out var k) ? k : byKind[proposalId] = NewKinds();
                kinds[ballot.Kind]++;
            }

            votes += effective.Count;
            hashes.Add(BallotHash(voterId, effective));
        }

        hashes.Sort(StringComparer.Ordinal);
        var mergedFrom = proposals.Where(p => mergedInto.ContainsKey(p.ProposalId))
            .ToLookup(p => Resolve(p.ProposalId), p => p.ProposalId, StringComparer.Ordinal);
        var ranking = proposals
            .Where(p => !mergedInto.ContainsKey(p.ProposalId))
            .Select(p =>
            {
                var kinds = byKind.GetValueOrDefault(p.ProposalId) ?? NewKinds();
                var from = mergedFrom[p.ProposalId].Order(StringComparer.Ordinal).ToList();
                return new ProposalCount(p.ProposalId, kinds.Values.Sum(), kinds, from, p.ProposedAt);
            })
            .ToList();
        ranking.Sort(RankOrder);
        return new TallyResult(ranking, hashes.Count, votes, DigestOf(hashes), hashes);
    }

    /// <summary>More votes first; on a tie, the proposal made first; then by id, so the order is total.</summary>
    public static int RankOrder(ProposalCount a, ProposalCount b)
    {
        var byVotes = b.Votes.CompareTo(a.Votes);
        if (byVotes != 0)
        {
            return byVotes;
        }

        var byAge = a.ProposedAt.CompareTo(b.ProposedAt);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.ProposalId, b.ProposalId);
    }

    /// <summary>SHA-256 (lower-case hex) of "ballot:v1", the voter id and the proposal ids it counts for, sorted, one per line.</summary>
    public static string BallotHash(string voterId, IEnumerable<string> countsFor)
    {
        var text = new StringBuilder("ballot:v1\n").Append(voterId);
        foreach (var id in countsFor.Order(StringComparer.Ordinal))
        {
            text.Append('\n').Append(id);
        }

        return Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>SHA-256 (lower-case hex) of the counted ballots' hashes, sorted, each followed by a line feed.</summary>
    public static string DigestOf(IEnumerable<string> sortedBallotHashes)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var hash in sortedBallotHashes)
        {
            sha.AppendData(Encoding.ASCII.GetBytes(hash + "\n"));
        }

        return Hex(sha.GetHashAndReset());
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static Dictionary<string, long> NewKinds() => ParticipantKinds.All.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);

    private Ballot BallotOf(string voterId)
    {
        if (!_ballots.TryGetValue(voterId, out var ballot))
        {
            _ballots[voterId] = ballot = new Ballot();
        }

        return ballot;
    }

    private int IndexOf(string proposalId)
    {
        if (!_index.TryGetValue(proposalId, out var index))
        {
            _index[proposalId] = index = _ids.Count;
            _ids.Add(proposalId);
        }

        return index;
    }

    private sealed class Ballot
    {
        public string Kind { get; set; } = "";

        public long Events { get; set; }

        public List<int> Cast { get; } = new(4);
    }
}
