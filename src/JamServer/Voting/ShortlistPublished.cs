using MessagePack;

namespace JamServer.Voting;

/// <summary>The jam's result, published once after Voting closed; its digest lets anyone check the count.</summary>
public sealed record ShortlistPublished(
    string JamId,
    string Digest,
    int Ballots,
    long Votes,
    IReadOnlyList<ShortlistEntry> Proposals,
    DateTimeOffset PublishedAt)
{
    public static string StreamIdOf(string jamId) => "shortlist:" + jamId;
}

/// <summary>One ranked proposal: its votes, who voted by kind, and the discussion behind it (its threads, merged ones too).</summary>
[MessagePackObject]
public sealed record ShortlistEntry(
    [property: Key("rank")] int Rank,
    [property: Key("proposalId")] string ProposalId,
    [property: Key("title")] string Title,
    [property: Key("summary")] string Summary,
    [property: Key("roomId")] string RoomId,
    [property: Key("threadId")] string ThreadId,
    [property: Key("authorName")] string AuthorName,
    [property: Key("votes")] long Votes,
    [property: Key("votersByKind")] IReadOnlyDictionary<string, long> VotersByKind,
    [property: Key("posts")] long Posts,
    [property: Key("participants")] long Participants,
    [property: Key("mergedFrom")] IReadOnlyList<string> MergedFrom);
