using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.Identity;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "jamserver";
    public string Audience { get; set; } = "jamserver";

    /// <summary>At least 32 bytes; `./jam run` keeps one under .jam/. Without it a random key is made at start.</summary>
    public string? SigningKey { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(7);

    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Key => _key ??= new SymmetricSecurityKey(SigningKey switch
    {
        null or "" => RandomKey.Value,
        var configured => Encoding.UTF8.GetBytes(configured),
    });

    public bool HasUsableKey => string.IsNullOrEmpty(SigningKey) || SigningKey.Length >= 32;

    private static readonly Lazy<byte[]> RandomKey = new(() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}

/// <summary>Signs JamServer's own bearer tokens (demo sign-in now; invites later).</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider clock)
{
    public string Issue(string participantId, string displayName, string role, string kind)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var token = new JwtSecurityToken(
            settings.Issuer,
            settings.Audience,
            [
                new Claim(JamClaims.Subject, participantId),
                new Claim(JamClaims.Name, displayName),
                new Claim(JamClaims.Role, role),
                new Claim(JamClaims.Kind, kind),
            ],
            notBefore: now,
            expires: now + settings.TokenLifetime,
            signingCredentials: new SigningCredentials(settings.Key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
