namespace JamServer.Moderation;

/// <summary>A flag not yet reviewed by a moderator.</summary>
public sealed record OpenFlag(string FlaggerId, string Reason, DateTimeOffset FlaggedAt);

/// <summary>
/// A post's moderation as its stream ("moderation:{postId}") left it; stored with each of its events, in the same
/// transaction, and the state its decisions read.
/// </summary>
public sealed class PostModeration
{
    public const string Community = "community";

    public string Id { get; set; } = "";
    public string RoomId { get; set; } = "";
    public string AuthorId { get; set; } = "";

    /// <summary>The version of the post's moderation stream: 0 before its first event.</summary>
    public long Version { get; set; }

    /// <summary>Everyone who ever flagged the post: a participant flags a post once.</summary>
    public List<string> Flaggers { get; set; } = [];

    /// <summary>The flags since a moderator last reviewed the post: the flag queue.</summary>
    public List<OpenFlag> OpenFlags { get; set; } = [];
    public int OpenFlagCount { get; set; }
    public bool Hidden { get; set; }
    public bool HiddenByCommunity { get; set; }
    public DateTimeOffset? LastFlaggedAt { get; set; }

    public static string StreamIdOf(string postId) => "moderation:" + postId;

    public static PostModeration Fresh(string postId, string roomId, string authorId) =>
        new() { Id = postId, RoomId = roomId, AuthorId = authorId };

    public void Apply(object fact)
    {
        switch (fact)
        {
            case PostFlagged e:
                Flaggers.Add(e.FlaggerId);
                OpenFlags.Add(new OpenFlag(e.FlaggerId, e.Reason, e.FlaggedAt));
                LastFlaggedAt = e.FlaggedAt;
                break;
            case PostHidden e:
                Hidden = true;
                HiddenByCommunity = e.ByCommunity;
                if (!e.ByCommunity)
                {
                    OpenFlags.Clear();
                }

                break;
            case PostRestored:
                Hidden = false;
                HiddenByCommunity = false;
                OpenFlags.Clear();
                break;
            default:
                throw new ArgumentException($"{fact.GetType().Name} is not a moderation event.", nameof(fact));
        }

        OpenFlagCount = OpenFlags.Count;
        Version++;
    }
}
