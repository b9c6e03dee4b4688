using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.Identity;

/// <summary>Signs JamServer's own bearer tokens: demo sign-in and invites.</summary>
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
