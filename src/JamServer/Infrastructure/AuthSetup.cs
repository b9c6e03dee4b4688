using System.Security.Claims;
using JamServer.Identity;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.Infrastructure;

public static class AuthSetup
{
    /// <summary>JamServer's own tokens (demo sign-in, invites), signed with Auth:SigningKey.</summary>
    public const string OwnTokens = "JamToken";

    /// <summary>Tokens of the OpenID Connect provider at Auth:Authority, when one is configured.</summary>
    public const string ProviderTokens = "Provider";

    public static WebApplicationBuilder AddJamAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.SignalR.IUserIdProvider, NoSignalRUsers>();

        // "Bearer" picks the scheme by the token's issuer; each scheme then checks its own issuer, key and audience.
        var authentication = builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddPolicyScheme(JwtBearerDefaults.AuthenticationScheme, "Bearer token", o => o.ForwardDefaultSelector = SchemeOf)
            .AddJwtBearer(OwnTokens);
        builder.Services.AddOptions<JwtBearerOptions>(OwnTokens).Configure<IOptions<AuthOptions>>((jwt, auth) =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Value.Issuer,
                ValidAudience = auth.Value.Audience,
                IssuerSigningKey = auth.Value.Key,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                NameClaimType = JamClaims.Name,
                RoleClaimType = JamClaims.Role,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = Events(LeanPrincipal);
        });

        if (builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() is { HasProvider: true })
        {
            authentication.AddJwtBearer(ProviderTokens);
            builder.Services.AddOptions<JwtBearerOptions>(ProviderTokens).Configure<IOptions<AuthOptions>>((jwt, options) =>
            {
                var auth = options.Value;
                jwt.Authority = auth.Authority;
                jwt.Audience = auth.Audience;
                jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                // A provider that does not answer fails its tokens' requests in seconds, not the default minute.
                jwt.BackchannelTimeout = TimeSpan.FromSeconds(10);
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAudience = auth.Audience,
                    NameClaimType = auth.NameClaim,
                    RoleClaimType = auth.RoleClaim,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                jwt.Events = Events(validated => ProviderPrincipal(validated, auth));
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Organizer, policy => policy.RequireRole(Roles.Organizer))
            .AddPolicy(Roles.Moderation, policy => policy.RequireRole(Roles.Moderator, Roles.Organizer));
        return builder;
    }

    private static JwtBearerEvents Events(Func<ClaimsPrincipal, ClaimsPrincipal> lean) => new()
    {
        // A hub connection keeps its user for hours: keep the four claims, not the parsed token behind them.
        OnTokenValidated = context =>
        {
            var principal = lean(context.Principal!);
            if (principal.FindFirst(JamClaims.Subject) is null)
            {
                context.Fail("The token has no subject.");
            }
            else
            {
                context.Principal = principal;
            }

            return Task.CompletedTask;
        },
        OnMessageReceived = context =>
        {
            context.Token = HubToken(context.HttpContext);
            return Task.CompletedTask;
        },
    };

    /// <summary>
    /// Browsers cannot set headers on WebSockets, so the SignalR clients send the token in the query. Read from the raw
    /// query: Request.Query would keep a parsed copy for the connection's life.
    /// </summary>
    private static string? HubToken(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/hubs") && QueryValue(http.Request.QueryString.Value, "access_token") is { Length: > 0 } token
            ? token
            : null;

    private static readonly JsonWebTokenHandler Reader = new();

    /// <summary>
    /// The provider's scheme for a token that names an issuer other than JamServer's own; JamServer's scheme for every
    /// other request (a token of its own, none, or one that does not parse), so a refusal is the same as before.
    /// </summary>
    private static string SchemeOf(HttpContext http)
    {
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        if (!auth.HasProvider)
        {
            return OwnTokens;
        }

        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : HubToken(http);
        if (token is null || !Reader.CanReadToken(token))
        {
            return OwnTokens;
        }

        try
        {
            return Reader.ReadJsonWebToken(token).Issuer == auth.Issuer ? OwnTokens : ProviderTokens;
        }
        catch (ArgumentException)
        {
            return OwnTokens;
        }
    }

    /// <summary>
    /// After authentication a hub connection's request no longer needs its access token, yet the request (and its
    /// target, raw and parsed) is held for the connection's whole life: drop the token from it, keep the rest.
    /// </summary>
    public static WebApplication UseHubTokenForgetting(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            var query = http.Request.QueryString.Value;
            if (http.Request.Path.StartsWithSegments("/hubs") && query is not null && query.Contains("access_token=", StringComparison.Ordinal))
            {
                var kept = query.TrimStart('?').Split('&').Where(p => !p.StartsWith("access_token=", StringComparison.Ordinal)).ToArray();
                http.Request.QueryString = kept.Length == 0 ? QueryString.Empty : new QueryString("?" + string.Join('&', kept));
                if (http.Features.Get<IHttpRequestFeature>() is { } request)
                {
                    request.RawTarget = http.Request.Path + http.Request.QueryString;
                }
            }

            return next(http);
        });
        return app;
    }

    /// <summary>The first value of <paramref name="name"/> in a raw query string ("?a=1&amp;b=2"), unescaped.</summary>
    public static string? QueryValue(string? query, string name)
    {
        foreach (var pair in (query ?? "").TrimStart('?').Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals == name.Length && pair.StartsWith(name, StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            }
        }

        return null;
    }

    private static readonly string[] KeptClaims = [JamClaims.Subject, JamClaims.Name, JamClaims.Role, JamClaims.Kind];

    private static ClaimsPrincipal LeanPrincipal(ClaimsPrincipal validated) => Principal(
        KeptClaims.SelectMany(type => validated.FindAll(type)).Select(c => new Claim(c.Type, c.Value)));

    /// <summary>
    /// A provider's user in JamServer's four claims: its subject, its name from Auth:NameClaim, its roles mapped from
    /// the values of Auth:RoleClaim (participant when none is recognised), and the kind employee: guests come by invite.
    /// </summary>
    public static ClaimsPrincipal ProviderPrincipal(ClaimsPrincipal validated, AuthOptions auth)
    {
        var claims = new List<Claim>();
        if (validated.FindFirst(JamClaims.Subject)?.Value is { Length: > 0 } subject)
        {
            claims.Add(new Claim(JamClaims.Subject, subject));
        }

        if (validated.FindFirst(auth.NameClaim)?.Value is { Length: > 0 } name)
        {
            claims.Add(new Claim(JamClaims.Name, name));
        }

        claims.AddRange(auth.RolesOf(validated.FindAll(auth.RoleClaim).Select(c => c.Value)).Select(role => new Claim(JamClaims.Role, role)));
        claims.Add(new Claim(JamClaims.Kind, "employee"));
        return Principal(claims);
    }

    private static ClaimsPrincipal Principal(IEnumerable<Claim> claims) =>
        new(new ClaimsIdentity(claims, JwtBearerDefaults.AuthenticationScheme, JamClaims.Name, JamClaims.Role));
}

/// <summary>Auth settings that cannot work stop the server at start, with what is wrong.</summary>
public sealed class AuthOptionsValidation : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        options.IsValid(out var problem) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
}
