using System.Globalization;
using System.Runtime.InteropServices;
using JamServer.Live;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JamServer.Infrastructure;

/// <summary>
/// SIGTERM drains the node before the host stops (docs/deploy.md, "Graceful shutdown"): readiness turns 503 at once,
/// new hub connections are refused with 503 UNAVAILABLE, the open ones are closed spread over Jam:DrainTime, and only
/// then does the host stop (its hosted services write what they hold; HostOptions.ShutdownTimeout bounds that part).
/// </summary>
public static class GracefulShutdown
{
    /// <summary>
    /// How long the host's stop may take once the drain is over (HostOptions.ShutdownTimeout): the writers answer within
    /// 4 s, the rest takes well under a second. Jam:DrainTime, 5 s of settling and this stay within Kubernetes'
    /// terminationGracePeriodSeconds (60: 20 + 5 + 15 = 40).
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    public static WebApplicationBuilder AddJamDrain(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopTimeout);
        builder.Services.AddSingleton<NodeDrain>();
        // Replaces the console lifetime, whose SIGTERM handler stops the host at once, and SignalR closes every
        // connection the moment the host begins to stop.
        builder.Services.AddSingleton<IHostLifetime, DrainingLifetime>();
        builder.Services.AddHealthChecks().AddCheck<DrainCheck>("draining", tags: [JamHealth.Ready]);
        return builder;
    }

    /// <summary>While draining, a new hub connection (its negotiation, or a WebSocket without one) gets 503 UNAVAILABLE.</summary>
    public static WebApplication UseHubDrain(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<NodeDrain>();
        app.Use(async (http, next) =>
        {
            if (drain.IsDraining && ConnectionLimit.IsNewConnection(http))
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = NodeDrain.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                // A balancer of TCP connections (a Kubernetes Service) sends the retry on a new one, to another node.
                http.Response.Headers.Connection = "close";
                await http.Response.WriteAsJsonAsync(new ErrorBody(
                    ErrorCodes.Unavailable, "This server is shutting down; connect again (another server will answer)."));
                return;
            }

            await next(http);
        });
        return app;
    }

    private sealed class DrainCheck(NodeDrain drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("The node is shutting down.") : HealthCheckResult.Healthy());
    }
}

/// <summary>
/// The host's lifetime: SIGTERM or Ctrl+C drains the node, then stops the host; a second signal stops it at once.
/// </summary>
public sealed partial class DrainingLifetime(NodeDrain drain, IHostApplicationLifetime lifetime, ILogger<DrainingLifetime> log)
    : IHostLifetime, IDisposable
{
    private PosixSignalRegistration[] _signals = [];

    /// <summary>Past the stop timeout, this much more before the process ends itself.</summary>
    public static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _signals = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal)];
        lifetime.ApplicationStopping.Register(() => _ = ExitIfStuckAsync());
        return Task.CompletedTask;
    }

    /// <summary>
    /// The host stops waiting for its services after the stop timeout, but a store call on a PostgreSQL that hangs
    /// ignores cancellation (Npgsql waits for the server), and disposing the store then waits for it too. Nothing is
    /// acknowledged before its commit, so ending the process then loses nothing acknowledged: it ends, rather than
    /// waiting for the orchestrator's SIGKILL.
    /// </summary>
    private async Task ExitIfStuckAsync()
    {
        await Task.Delay(GracefulShutdown.StopTimeout + ExitGrace).ConfigureAwait(false);
        LogStuck(log, (GracefulShutdown.StopTimeout + ExitGrace).TotalSeconds);
        Environment.Exit(0);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The process does not end on the signal itself; the host ends it once stopped.
        context.Cancel = true;
        if (!drain.TryBegin())
        {
            lifetime.StopApplication();
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await drain.CloseConnectionsAsync(lifetime.ApplicationStopping);
            }
            catch (OperationCanceledException)
            {
                // The host began to stop some other way meanwhile.
            }
            catch (Exception ex)
            {
                LogDrainFailed(log, ex);
            }
            finally
            {
                lifetime.StopApplication();
            }
        });
    }

    [LoggerMessage(LogLevel.Error, "The stop did not finish within {Seconds} s (a call to the store or Redis does not return); exiting now")]
    private static partial void LogStuck(ILogger logger, double seconds);

    [LoggerMessage(LogLevel.Error, "Draining failed; stopping now")]
    private static partial void LogDrainFailed(ILogger logger, Exception ex);
}
