using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// Admission control for a reconnect storm. New hub connections pass one token bucket per node (ASP.NET Core's rate
/// limiter); beyond its pace and a short queue they get 503 UNAVAILABLE with a Retry-After spread over the line of
/// those refused, so they come back at about the pace admitted. Established connections never pass it. JoinRoom's
/// catch-up reads pass a concurrency limit (<see cref="CatchUpAdmission"/>).
/// </summary>
public static class Admission
{
    public static WebApplicationBuilder AddJamAdmission(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdmissionOptions>().Bind(builder.Configuration.GetSection(AdmissionOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AdmissionOptions>, AdmissionOptionsValidation>();
        builder.Services.AddSingleton<AdmissionLine>();
        builder.Services.AddSingleton<CatchUpAdmission>();
        builder.Services.Configure<HubOptions<Live.JamHub>>(o => o.AddFilter<CatchUpAdmission>());
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<AdmissionOptions>>((o, admission) => o.Backlog = admission.Value.AcceptBacklog);
        return builder;
    }

    /// <summary>
    /// After authentication, before the connection cap: a refused connection costs no Redis call, and a connection
    /// without a valid token, which authorization refuses anyway, takes nothing from the pace, so an anonymous flood
    /// of negotiations cannot keep real clients out. Each participant has a bucket of its own besides the node's.
    /// </summary>
    public static WebApplication UseHubAdmission(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<AdmissionOptions>>().Value;
        var line = app.Services.GetRequiredService<AdmissionLine>();
        var tokensPerPeriod = Math.Max(1, settings.ConnectsPerSecond / 10);
        var connects = new TokenBucketRateLimiterOptions
        {
            // Refilled about ten times a second, so admissions come evenly rather than in a burst each second.
            TokenLimit = settings.ConnectBurst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / (double)settings.ConnectsPerSecond),
            QueueLimit = settings.ConnectQueue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        };
        var perParticipant = new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.ParticipantConnectBurst,
            TokensPerPeriod = settings.ParticipantConnectsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        // A connection let in while joins wait in a long line would only wait there too (or give up): shed it first.
        var catchUps = app.Services.GetRequiredService<CatchUpAdmission>();
        app.Use(async (http, next) =>
        {
            if (catchUps.Waiting > settings.ShedWhileCatchUpsWaiting && ParticipantStarting(http) is not null)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await RefuseAsync(http, line.Refused(TimeSpan.FromSeconds(1)), http.RequestAborted);
                return;
            }

            await next(http);
        });
        app.UseRateLimiter(new RateLimiterOptions
        {
            GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => ParticipantStarting(http) is { } participant
                    ? RateLimitPartition.GetTokenBucketLimiter(participant, _ => perParticipant)
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http => ParticipantStarting(http) is not null
                    ? RateLimitPartition.GetTokenBucketLimiter("hub-connects", _ => connects)
                    : RateLimitPartition.GetNoLimiter(""))),
            RejectionStatusCode = StatusCodes.Status503ServiceUnavailable,
            OnRejected = (rejected, ct) =>
            {
                var hint = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return RefuseAsync(rejected.HttpContext, line.Refused(hint), ct);
            },
        });
        return app;
    }

    /// <summary>The participant starting a new hub connection with this request; null for any other request.</summary>
    private static string? ParticipantStarting(HttpContext http) =>
        ConnectionLimit.IsNewConnection(http) && http.User.Identity?.IsAuthenticated == true
            ? http.User.FindFirst(Identity.JamClaims.Subject)?.Value
            : null;

    private static async ValueTask RefuseAsync(HttpContext http, int retryAfterSeconds, CancellationToken ct)
    {
        var metrics = http.RequestServices.GetRequiredService<JamMetrics>();
        metrics.RateLimited("admission");
        metrics.Error(ErrorCodes.Unavailable, JamMetrics.Http);
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await http.Response.WriteAsJsonAsync(
            new ErrorBody(ErrorCodes.Unavailable, string.Create(CultureInfo.InvariantCulture,
                $"The server is letting many clients back in; retry after {retryAfterSeconds} s.")),
            ct);
    }
}

/// <summary>
/// Who was refused lately, and when each should come back: Retry-After is the limiter's own wait plus a random share
/// of the time the line of refused clients needs at the admitted pace, so a wave refused together returns spread out.
/// </summary>
public sealed partial class AdmissionLine(IOptions<AdmissionOptions> options, TimeProvider time, ILogger<AdmissionLine> log)
{
    private readonly AdmissionOptions _settings = options.Value;
    private readonly Lock _lock = new();
    private long _second;
    private int _refusedThisSecond;
    private int _refusedLastSecond;

    public int Refused(TimeSpan limiterWait)
    {
        int recent;
        var shedLastSecond = 0;
        lock (_lock)
        {
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            if (now != _second)
            {
                _refusedLastSecond = now == _second + 1 ? _refusedThisSecond : 0;
                shedLastSecond = _refusedThisSecond;
                _refusedThisSecond = 0;
                _second = now;
            }

            recent = ++_refusedThisSecond + _refusedLastSecond;
        }

        if (shedLastSecond > 0)
        {
            LogShed(log, shedLastSecond);
        }

        var spread = (int)Math.Ceiling(recent / (double)_settings.ConnectsPerSecond);
        var seconds = (int)Math.Ceiling(Math.Max(1, limiterWait.TotalSeconds)) + Random.Shared.Next(0, spread + 1);
        return Math.Min(seconds, _settings.MaxRetryAfterSeconds);
    }

    [LoggerMessage(LogLevel.Warning, "Admission refused {Count} new hub connections in a second; they were told when to retry")]
    private static partial void LogShed(ILogger logger, int count);
}
