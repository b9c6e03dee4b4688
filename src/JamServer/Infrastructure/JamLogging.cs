using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace JamServer.Infrastructure;

public static class JamLogging
{
    /// <summary>true: the console gets JSON lines (the deploy image sets it); false or unset: plain text.</summary>
    public const string JsonSetting = "Logging:Json";

    /// <summary>
    /// Serilog as a provider of the framework's logger factory, which caches a logger per category. (Serilog's own
    /// factory makes a new logger on every call, and SignalR asks for one per connection: 2 KB each.)
    /// </summary>
    public static WebApplicationBuilder AddJamLogging(this WebApplicationBuilder builder)
    {
        var configuration = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Marten", LogEventLevel.Warning)
            // Every refused hub call would be logged again here as an error; HubErrorFilter logs each call once.
            .MinimumLevel.Override("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogEventLevel.Fatal)
            .Enrich.FromLogContext();
        // One JSON object a line for a log collector, with the trace and span ids (@tr, @sp) of the request or hub call
        // that logged it; plain lines for a person at a terminal (./jam run, the tests' server logs).
        var logger = (builder.Configuration.GetValue<bool>(JsonSetting)
                ? configuration.WriteTo.Console(new RenderedCompactJsonFormatter())
                : configuration.WriteTo.Console(
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                    formatProvider: CultureInfo.InvariantCulture))
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddSingleton(new Serilog.Extensions.Hosting.DiagnosticContext(logger));
        builder.Services.AddSingleton<IDiagnosticContext>(s => s.GetRequiredService<Serilog.Extensions.Hosting.DiagnosticContext>());
        // Request logging writes to this logger; without it, to Serilog's static logger, which this app never sets.
        builder.Services.Configure<Serilog.AspNetCore.RequestLoggingOptions>(o => o.Logger = logger);
        return builder;
    }
}
