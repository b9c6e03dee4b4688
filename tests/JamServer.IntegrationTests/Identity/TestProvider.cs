using System.Security.Cryptography;
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
/// tokens signed with that key. Enough for a JWT bearer to find the issuer and keys as it does a real provider's.
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

    /// <summary>On a free loopback port, or on <paramref name="port"/>, as a provider back after an outage.</summary>
    public static async Task<TestProvider> StartAsync(int port = 0)
    {
        var provider = new TestProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            provider.MetadataReads++;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = provider.Issuer,
                ["jwks_uri"] = provider.Issuer + "/jwks",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
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

/// <summary>Who signs in through the provider in the tests: its groups claim carries the roles.</summary>
public static class ProviderGroups
{
    public const string Moderators = "jam-moderators";
    public const string Organizers = "jam-organizers";
    public const string Staff = "staff";
}
