using System.Security.Claims;
using JamServer.Identity;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.Infrastructure;

public static class AuthSetup
{
    public static WebApplicationBuilder AddJamAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(auth => auth.HasUsableKey, "Auth:SigningKey must be at least 32 characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.SignalR.IUserIdProvider, NoSignalRUsers>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = auth.Value.Key,
                    NameClaimType = JamClaims.Name,
                    RoleClaimType = JamClaims.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                jwt.Events = new JwtBearerEvents
                {
                    // A hub connection keeps its user for hours: keep the four claims, not the parsed token behind them.
                    OnTokenValidated = context =>
                    {
                        context.Principal = LeanPrincipal(context.Principal!);
                        return Task.CompletedTask;
                    },
                    // Browsers cannot set headers on WebSockets, so the SignalR clients send the token in the query.
                    // Read from the raw query: Request.Query would keep a parsed copy for the connection's life.
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
                            && QueryValue(context.Request.QueryString.Value, "access_token") is { Length: > 0 } token)
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Organizer, policy => policy.RequireRole(Roles.Organizer))
            .AddPolicy(Roles.Moderation, policy => policy.RequireRole(Roles.Moderator, Roles.Organizer));
        return builder;
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

    private static ClaimsPrincipal LeanPrincipal(ClaimsPrincipal validated) => new(new ClaimsIdentity(
        KeptClaims.SelectMany(type => validated.FindAll(type)).Select(c => new Claim(c.Type, c.Value)),
        JwtBearerDefaults.AuthenticationScheme,
        JamClaims.Name,
        JamClaims.Role));
}
