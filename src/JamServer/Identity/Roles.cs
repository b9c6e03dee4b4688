using System.Security.Claims;

namespace JamServer.Identity;

public static class Roles
{
    public const string Participant = "participant";
    public const string Moderator = "moderator";
    public const string Executive = "executive";
    public const string Organizer = "organizer";

    public static readonly IReadOnlyList<string> All = [Participant, Moderator, Executive, Organizer];

    /// <summary>The authorization policy of moderation: moderators and organizers.</summary>
    public const string Moderation = "moderation";

    public static bool IsModerating(this ClaimsPrincipal user) => user.IsInRole(Moderator) || user.IsInRole(Organizer);

    /// <summary>Moderators see a hidden post's body; everyone else sees its place only.</summary>
    public static bool SeesHiddenPosts(this ClaimsPrincipal user) => user.IsModerating();
}

public static class ParticipantKinds
{
    public static readonly IReadOnlyList<string> All = ["employee", "customer", "partner", "guest"];
}

/// <summary>The claim names of JamServer tokens.</summary>
public static class JamClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string Kind = "kind";

    public static string ParticipantId(this ClaimsPrincipal user) =>
        user.FindFirstValue(Subject) ?? throw new InvalidOperationException("An authenticated user has no subject.");

    public static string DisplayName(this ClaimsPrincipal user) => user.FindFirstValue(Name) ?? user.ParticipantId();
}
