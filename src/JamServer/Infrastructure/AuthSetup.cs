using System.Security.Claims;
using JamServer.Identity;
using Microsoft.AspNetCore.Authentication.JwtBearer;
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
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments("/hubs"))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Organizer, policy => policy.RequireRole(Roles.Organizer));
        return builder;
    }

    private static readonly string[] KeptClaims = [JamClaims.Subject, JamClaims.Name, JamClaims.Role, JamClaims.Kind];

    private static ClaimsPrincipal LeanPrincipal(ClaimsPrincipal validated) => new(new ClaimsIdentity(
        KeptClaims.SelectMany(type => validated.FindAll(type)).Select(c => new Claim(c.Type, c.Value)),
        JwtBearerDefaults.AuthenticationScheme,
        JamClaims.Name,
        JamClaims.Role));
}
