using JamServer.Discussion;
using JamServer.Infrastructure;

namespace JamServer.Identity;

/// <summary>Demo mode only: anyone signs in with a name, a role and a kind.</summary>
public static class DemoSignIn
{
    public const int MaxNameLength = WritePost.MaxNameLength;

    public sealed record Request(string? DisplayName, string? Role, string? Kind);

    public sealed record Response(string Token, string ParticipantId);

    /// <summary>A display name someone chose: cleaned like a post body, 1 to <see cref="MaxNameLength"/> characters.</summary>
    public static string DisplayName(string? displayName)
    {
        var name = WritePost.Clean(displayName ?? "").Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            throw JamException.InvalidInput($"displayName must be 1 to {MaxNameLength} characters.");
        }

        return name;
    }

    public static (string Name, string Role, string Kind) Validate(Request? request)
    {
        var name = DisplayName(request?.DisplayName);

        var role = request?.Role?.Trim().ToLowerInvariant() ?? Roles.Participant;
        if (!Roles.All.Contains(role))
        {
            throw JamException.InvalidInput($"role must be one of {string.Join(", ", Roles.All)}.");
        }

        var kind = request?.Kind?.Trim().ToLowerInvariant() ?? "employee";
        if (!ParticipantKinds.All.Contains(kind))
        {
            throw JamException.InvalidInput($"kind must be one of {string.Join(", ", ParticipantKinds.All)}.");
        }

        return (name, role, kind);
    }

    public static void MapDemoSignIn(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/demo", (Request? request, TokenIssuer tokens) =>
        {
            var (name, role, kind) = Validate(request);
            var participantId = "p-" + Guid.CreateVersion7().ToString("N");
            return new Response(tokens.Issue(participantId, name, role, kind), participantId);
        });
}
