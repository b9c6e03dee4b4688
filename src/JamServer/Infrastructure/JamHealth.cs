using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace JamServer.Infrastructure;

public static class JamHealth
{
    private const string Ready = "ready";

    public static WebApplicationBuilder AddJamHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddNpgSql(builder.Configuration.GetConnectionString("Postgres")!, name: "postgresql", tags: [Ready], timeout: TimeSpan.FromSeconds(3))
            // Without Redis a node still takes posts and votes (PostgreSQL is the source of truth): degraded, still ready.
            .AddRedis(
                services => services.GetRequiredService<IConnectionMultiplexer>(), name: "redis", failureStatus: HealthStatus.Degraded,
                tags: [Ready], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    public static void MapJamHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
    }
}
