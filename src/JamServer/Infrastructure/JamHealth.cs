using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace JamServer.Infrastructure;

public static class JamHealth
{
    private const string Ready = "ready";

    public static WebApplicationBuilder AddJamHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddNpgSql(builder.Configuration.GetConnectionString("Postgres")!, name: "postgresql", tags: [Ready], timeout: TimeSpan.FromSeconds(3))
            .AddRedis(services => services.GetRequiredService<IConnectionMultiplexer>(), name: "redis", tags: [Ready], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    public static void MapJamHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
    }
}
