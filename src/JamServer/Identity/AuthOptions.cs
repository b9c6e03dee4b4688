using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.Identity;

/// <summary>The "Auth" configuration section: JamServer's own tokens and, optionally, an OpenID Connect provider's.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The issuer of JamServer's own tokens (demo sign-in, invites).</summary>
    public string Issuer { get; set; } = "jamserver";

    /// <summary>The audience of every accepted token: JamServer's own and, with an authority, the provider's.</summary>
    public string Audience { get; set; } = "jamserver";

    /// <summary>At least 32 bytes; `./jam run` keeps one under .jam/. Without it a random key is made at start.</summary>
    public string? SigningKey { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// An OpenID Connect provider (its issuer URL). Set, tokens it signs are accepted too: its discovery document names
    /// its issuer and signing keys, read at the first such token and refreshed as the provider rotates keys.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>Off only for a provider on plain http, as a test's on loopback.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The provider's claim whose values become JamServer roles (a string or an array of strings).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The provider's claim holding the display name put on posts.</summary>
    public string NameClaim { get; set; } = "name";

    /// <summary>
    /// The provider's role values and the JamServer role each stands for (`Auth:RoleMap:jam-moderators=moderator`).
    /// Empty, a value that is a JamServer role's name (any case) is that role.
    /// </summary>
    public Dictionary<string, string> RoleMap { get; set; } = [];

    /// <summary>
    /// The web client's public client id at the provider (authorization code with PKCE, no secret). Unset with an
    /// authority, provider tokens are still accepted but a browser cannot get one here: it says sign-in is not configured.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The scopes the web client asks for; must hold <c>openid</c>. Unset, <c>openid profile</c>.</summary>
    public string? Scope { get; set; }

    public bool HasProvider => !string.IsNullOrWhiteSpace(Authority);

    public bool HasBrowserSignIn => HasProvider && !string.IsNullOrWhiteSpace(ClientId);

    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Key => _key ??= new SymmetricSecurityKey(SigningKey switch
    {
        null or "" => RandomKey.Value,
        var configured => Encoding.UTF8.GetBytes(configured),
    });

    public bool HasUsableKey => string.IsNullOrEmpty(SigningKey) || SigningKey.Length >= 32;

    /// <summary>The JamServer roles a provider's role values stand for; none recognised, participant.</summary>
    public IReadOnlyList<string> RolesOf(IEnumerable<string> providerValues)
    {
        var roles = providerValues
            .Select(value => RoleMap.Count > 0
                ? RoleMap.FirstOrDefault(m => string.Equals(m.Key, value, StringComparison.OrdinalIgnoreCase)).Value
                : Roles.All.FirstOrDefault(role => string.Equals(role, value, StringComparison.OrdinalIgnoreCase)))
            .OfType<string>()
            .Select(role => role.Trim().ToLowerInvariant())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return roles.Count > 0 ? roles : [Roles.Participant];
    }

    public bool IsValid(out string problem)
    {
        problem = "";
        if (!HasUsableKey)
        {
            problem = "Auth:SigningKey must be at least 32 characters.";
        }
        else if (string.IsNullOrWhiteSpace(Issuer) || string.IsNullOrWhiteSpace(Audience))
        {
            problem = "Auth:Issuer and Auth:Audience must not be empty.";
        }
        else if (HasProvider)
        {
            problem = ProviderProblem();
        }
        else if (!string.IsNullOrWhiteSpace(ClientId))
        {
            problem = "Auth:ClientId is the web client's id at a provider: it needs Auth:Authority.";
        }

        return problem.Length == 0;
    }

    private string ProviderProblem()
    {
        if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
        {
            return "Auth:Authority must be an absolute https URL, the provider's issuer.";
        }

        if (authority.Scheme == "http" && RequireHttpsMetadata)
        {
            return "Auth:Authority must use https (Auth:RequireHttpsMetadata=false allows http, for a provider on loopback only).";
        }

        if (string.Equals(Issuer.TrimEnd('/'), Authority!.TrimEnd('/'), StringComparison.Ordinal))
        {
            return "Auth:Issuer (JamServer's own tokens) must differ from the provider's issuer, Auth:Authority.";
        }

        if (string.IsNullOrWhiteSpace(RoleClaim) || string.IsNullOrWhiteSpace(NameClaim))
        {
            return "Auth:RoleClaim and Auth:NameClaim must not be empty.";
        }

        if (!string.IsNullOrWhiteSpace(Scope) && !Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid", StringComparer.Ordinal))
        {
            return "Auth:Scope must include openid: the web client signs in with OpenID Connect.";
        }

        return RoleMap.Values.FirstOrDefault(role => !Roles.All.Contains(role.Trim().ToLowerInvariant())) is { } unknown
            ? $"Auth:RoleMap maps to '{unknown}'; a role must be one of {string.Join(", ", Roles.All)}."
            : "";
    }

    private static readonly Lazy<byte[]> RandomKey = new(() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
