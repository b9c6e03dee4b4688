using System.Globalization;
using Serilog;
using Serilog.Events;

namespace JamServer.Infrastructure;

public static class JamLogging
{
    /// <summary>
    /// Serilog as a provider of the framework's logger factory, which caches a logger per category. (Serilog's own
    /// factory makes a new logger on every call, and SignalR asks for one per connection: 2 KB each.)
    /// </summary>
    public static WebApplicationBuilder AddJamLogging(this WebApplicationBuilder builder)
    {
        var logger = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Marten", LogEventLevel.Warning)
            // Every refused hub call would be logged again here as an error; HubErrorFilter logs each call once.
            .MinimumLevel.Override("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogEventLevel.Fatal)
            .Enrich.FromLogContext()
            .WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        builder.Services.AddSingleton(new Serilog.Extensions.Hosting.DiagnosticContext(logger));
        builder.Services.AddSingleton<IDiagnosticContext>(s => s.GetRequiredService<Serilog.Extensions.Hosting.DiagnosticContext>());
        return builder;
    }
}
