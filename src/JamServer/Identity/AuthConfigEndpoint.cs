using System.Security.Claims;
using JamServer.Infrastructure;
using Microsoft.Extensions.Options;

namespace JamServer.Identity;

/// <summary>
/// GET /api/auth/config (anyone): how a browser signs in here. GET /api/me (anyone signed in): who the server takes the
/// caller's token for, so a client holding a provider's token learns the role its claims map to.
/// </summary>
public static class AuthConfigEndpoint
{
    /// <summary>Without Auth:Scope: an id token (which the sign-in library checks) and the user's name.</summary>
    public const string DefaultScope = "openid profile";

    /// <summary>Authority, client id and scope are set only when a browser can sign in at the provider.</summary>
    public sealed record Config(bool Demo, string? Authority, string? ClientId, string? Scope);

    public sealed record Caller(string ParticipantId, string Name, string Role, IReadOnlyList<string> Roles, string Kind);

    /// <summary>The role a client shows and lays its pages out by, for a user who has more than one.</summary>
    private static readonly string[] RolePrecedence = [Roles.Organizer, Roles.Moderator, Roles.Executive, Roles.Participant];

    public static Config ConfigOf(AuthOptions auth, bool demo) =>
        auth.HasBrowserSignIn
            ? new Config(demo, auth.Authority!.TrimEnd('/'), auth.ClientId, string.IsNullOrWhiteSpace(auth.Scope) ? DefaultScope : auth.Scope.Trim())
            : new Config(demo, null, null, null);

    public static void MapAuthConfigEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/auth/config", (IOptions<AuthOptions> auth, IOptions<JamOptions> jam) => ConfigOf(auth.Value, jam.Value.DemoMode));

        app.MapGet("/api/me", (ClaimsPrincipal user) =>
            {
                var roles = user.FindAll(JamClaims.Role).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
                var role = RolePrecedence.FirstOrDefault(roles.Contains) ?? Roles.Participant;
                return new Caller(user.ParticipantId(), user.DisplayName(), role, roles, user.FindFirstValue(JamClaims.Kind) ?? "employee");
            })
            .RequireAuthorization();
    }
}
