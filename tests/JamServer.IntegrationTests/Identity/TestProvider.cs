using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.IntegrationTests.Identity;

/// <summary>
/// A tiny OpenID Connect provider on a loopback port: a discovery document and a JWKS with an RSA key it made, and
/// tokens signed with that key. Enough for a JWT bearer to find the issuer and keys as it does a real provider's, and
/// for a browser to sign in with the authorization code and PKCE: /authorize approves at once, as the user the test
/// chose (<see cref="NextUser"/>), and /token trades the code for tokens once its verifier matches the challenge.
/// </summary>
public sealed class TestProvider : IAsyncDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RSA _foreignRsa = RSA.Create(2048);
    private WebApplication? _app;

    private TestProvider()
    {
        Key = new RsaSecurityKey(_rsa) { KeyId = "test-provider-key" };
    }

    public RsaSecurityKey Key { get; }

    public string Issuer { get; private set; } = "";

    /// <summary>How often the server read the discovery document and the keys.</summary>
    public int MetadataReads { get; private set; }

    /// <summary>The client id the browser must name (the server's Auth:ClientId).</summary>
    public string ClientId { get; set; } = "jam-web";

    /// <summary>The audience of the access tokens /token issues (the server's Auth:Audience).</summary>
    public string Audience { get; set; } = "jam-api";

    /// <summary>Who the next browser to reach /authorize signs in as; none, the provider refuses (access_denied).</summary>
    public ProviderUser? NextUser { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>On, /token also issues a refresh token, and trades one for new tokens (each refresh token once).</summary>
    public bool IssuesRefreshTokens { get; set; }

    /// <summary>Refresh tokens traded for new tokens.</summary>
    public int Refreshes => _refreshes;

    /// <summary>Codes traded for tokens, each after its PKCE verifier matched.</summary>
    public int CodesExchanged => _exchanged;

    /// <summary>Token requests refused: an unknown or used code, a wrong client, redirect or verifier.</summary>
    public int TokenRequestsRefused => _refused;

    private readonly ConcurrentDictionary<string, Grant> _grants = new(StringComparer.Ordinal);
    private int _exchanged;
    private int _refused;
    private int _refreshes;
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new(StringComparer.Ordinal);

    private sealed record Grant(ProviderUser User, string ClientId, string RedirectUri, string Challenge, string? Nonce);

    /// <summary>On a free loopback port, or on <paramref name="port"/>, as a provider back after an outage.</summary>
    public static async Task<TestProvider> StartAsync(int port = 0)
    {
        var provider = new TestProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        // The browser reads the discovery document and calls /token from the JamServer page's origin.
        app.Use((http, next) =>
        {
            http.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                http.Response.Headers.AccessControlAllowMethods = "GET, POST";
                http.Response.Headers.AccessControlAllowHeaders = "Content-Type, Authorization";
                http.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            }

            return next(http);
        });
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            provider.MetadataReads++;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = provider.Issuer,
                ["jwks_uri"] = provider.Issuer + "/jwks",
                ["authorization_endpoint"] = provider.Issuer + "/authorize",
                ["token_endpoint"] = provider.Issuer + "/token",
                ["response_types_supported"] = new[] { "code" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/authorize", provider.Authorize);
        app.MapPost("/token", provider.TokenAsync);
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(provider._rsa.ExportParameters(false)) { KeyId = provider.Key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        await app.StartAsync().Timely();
        provider._app = app;
        provider.Issuer = app.Urls.Single().TrimEnd('/');
        return provider;
    }

    /// <summary>A token as the provider would issue it; each part can be changed to make a bad one.</summary>
    public string Issue(
        string subject, string audience, string? name = null, IEnumerable<string>? groups = null,
        string? issuer = null, SigningCredentials? signedWith = null, TimeSpan? lifetime = null)
    {
        var claims = new Dictionary<string, object>();
        if (subject.Length > 0)
        {
            claims["sub"] = subject;
        }

        if (name is not null)
        {
            claims["nickname"] = name;
        }

        if (groups is not null)
        {
            claims["groups"] = groups.ToArray();
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = signedWith ?? new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });
    }

    private IResult Authorize(HttpRequest request)
    {
        string? Query(string name) => request.Query[name].FirstOrDefault();
        var redirectUri = Query("redirect_uri");
        var state = Query("state") ?? "";
        if (redirectUri is null || Query("client_id") != ClientId)
        {
            return Results.BadRequest("Unknown client or no redirect_uri.");
        }

        string Back(string parameters) => redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + parameters
            + "&state=" + Uri.EscapeDataString(state);
        if (Query("response_type") != "code" || Query("code_challenge_method") != "S256" || Query("code_challenge") is not { Length: > 0 } challenge)
        {
            return Results.Redirect(Back("error=invalid_request"));
        }

        if (NextUser is not { } user)
        {
            return Results.Redirect(Back("error=access_denied"));
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        _grants[code] = new Grant(user, ClientId, redirectUri, challenge, Query("nonce"));
        return Results.Redirect(Back("code=" + code));
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        string? Field(string name) => form[name].FirstOrDefault();
        if (Field("grant_type") == "refresh_token")
        {
            if (!_refreshTokens.TryRemove(Field("refresh_token") ?? "", out var refreshed) || refreshed.ClientId != Field("client_id"))
            {
                Interlocked.Increment(ref _refused);
                return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
            }

            Interlocked.Increment(ref _refreshes);
            return Tokens(refreshed with { Nonce = null });
        }

        var verifier = Field("code_verifier") ?? "";
        if (Field("grant_type") != "authorization_code"
            || !_grants.TryRemove(Field("code") ?? "", out var grant)
            || grant.ClientId != Field("client_id")
            || grant.RedirectUri != Field("redirect_uri")
            || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
        {
            Interlocked.Increment(ref _refused);
            return Results.Json(new { error = "invalid_grant" }, statusCode: StatusCodes.Status400BadRequest);
        }

        Interlocked.Increment(ref _exchanged);
        return Tokens(grant);
    }

    private IResult Tokens(Grant grant)
    {
        var now = DateTime.UtcNow;
        var idClaims = new Dictionary<string, object> { ["sub"] = grant.User.Subject, ["name"] = grant.User.Name };
        if (grant.Nonce is not null)
        {
            idClaims["nonce"] = grant.Nonce;
        }

        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = grant.ClientId,
            Claims = idClaims,
            IssuedAt = now,
            Expires = now + AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256),
        });
        var tokens = new Dictionary<string, object>
        {
            ["access_token"] = Issue(grant.User.Subject, Audience, grant.User.Name, grant.User.Groups, lifetime: AccessTokenLifetime),
            ["id_token"] = idToken,
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)AccessTokenLifetime.TotalSeconds,
            ["scope"] = "openid profile",
        };
        if (IssuesRefreshTokens)
        {
            var refreshToken = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
            _refreshTokens[refreshToken] = grant;
            tokens["refresh_token"] = refreshToken;
        }

        return Results.Json(tokens);
    }

    /// <summary>Signed by another RSA key that claims the provider's key id, as a forger would.</summary>
    public SigningCredentials ForeignKey =>
        new(new RsaSecurityKey(_foreignRsa) { KeyId = Key.KeyId }, SecurityAlgorithms.RsaSha256);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().Timely();
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
        _foreignRsa.Dispose();
    }
}

/// <summary>A person at the provider: the access token carries the name in "nickname" and the groups in "groups".</summary>
public sealed record ProviderUser(string Subject, string Name, IReadOnlyList<string> Groups);

/// <summary>Who signs in through the provider in the tests: its groups claim carries the roles.</summary>
public static class ProviderGroups
{
    public const string Moderators = "jam-moderators";
    public const string Organizers = "jam-organizers";
    public const string Staff = "staff";
}
