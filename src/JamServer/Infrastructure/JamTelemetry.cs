using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace JamServer.Infrastructure;

/// <summary>
/// OpenTelemetry: metrics for Prometheus at /metrics (the server's own, ASP.NET Core's, Kestrel's, SignalR's, the
/// rate limiter's, Npgsql's and the runtime's); traces only when an OTLP endpoint is configured
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), since without a listener no span is even created.
/// </summary>
public static class JamTelemetry
{
    /// <summary>SignalR's own span per hub method call (ASP.NET Core 9 and later); each is a root, not under the connection.</summary>
    private const string SignalRServer = "Microsoft.AspNetCore.SignalR.Server";

    public static WebApplicationBuilder AddJamTelemetry(this WebApplicationBuilder builder)
    {
        var nodeId = builder.Configuration[$"{JamOptions.Section}:{nameof(JamOptions.NodeId)}"] ?? Environment.MachineName;
        builder.Services.AddSingleton<JamMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("jamserver", serviceInstanceId: nodeId))
            .WithMetrics(metrics => metrics
                .AddMeter(JamMetrics.Name)
                .AddAspNetCoreInstrumentation()
                .AddMeter(
                    "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
                    "Microsoft.AspNetCore.RateLimiting", "Npgsql")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (TracesExported(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => Traced(http.Request.Path))
                .AddSource(SignalRServer, JamMetrics.Name, "Npgsql")
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>The standard variables of the OTLP exporter, which reads them itself (endpoint, protocol, headers).</summary>
    public static bool TracesExported(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    /// <summary>
    /// Not the scrapes and health probes (noise every few seconds), nor a hub connection's transport: a span as long as
    /// the connection (hours) tells nothing; each hub call has a span of its own.
    /// </summary>
    private static bool Traced(PathString path) =>
        !path.StartsWithSegments("/metrics") && !path.StartsWithSegments("/health")
        && !(path.StartsWithSegments("/hubs/jam", out var rest) && !rest.StartsWithSegments("/negotiate"));

    /// <summary>
    /// /metrics, for Prometheus. With <see cref="JamOptions.MetricsPort"/> it answers only on that port (404 on the
    /// others); without, on every port, to be kept internal by the load balancer. Anonymous either way: Prometheus
    /// scrapes each node directly, and the figures hold no participant's data.
    /// </summary>
    private const string MetricsPath = "/metrics";

    public static void MapJamMetrics(this WebApplication app)
    {
        // The provider starts listening when first resolved (here, or by its hosted service later).
        app.Services.GetRequiredService<MeterProvider>();
        app.Services.GetRequiredService<JamMetrics>().StartAtZero();
        if (app.Services.GetRequiredService<IOptions<JamOptions>>().Value.MetricsPort is { } port)
        {
            // By the port the connection came in on: a Host header (RequireHost) is the client's to write.
            app.Use((http, next) =>
            {
                if (http.Request.Path.StartsWithSegments(MetricsPath) && http.Connection.LocalPort != port)
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(http);
            });
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath);
    }
}
