using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.Registry;
using StackExchange.Redis;

namespace JamServer.Infrastructure;

public static class JamHealth
{
    /// <summary>The tag of the checks behind /health/ready.</summary>
    internal const string Ready = "ready";

    public static WebApplicationBuilder AddJamHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresCheck>("postgresql", tags: [Ready])
            // Without Redis a node still takes posts and votes (PostgreSQL is the source of truth): degraded, still ready.
            .AddRedis(
                services => services.GetRequiredService<IConnectionMultiplexer>(), name: "redis", failureStatus: HealthStatus.Degraded,
                tags: [Ready], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }

    /// <summary>
    /// <c>SELECT 1</c> through the store pipeline, so that an open circuit says Unhealthy at once and a server that
    /// stopped answering says so after the pipeline's timeout (a plain check waits for Npgsql's own timeouts).
    /// </summary>
    private sealed class PostgresCheck(IDocumentStore store, ResiliencePipelineProvider<string> pipelines) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await pipelines.StoreAsync(
                    async token =>
                    {
                        await using var connection = store.Storage.Database.CreateConnection();
                        await connection.OpenAsync(token);
                        await using var command = connection.CreateCommand();
                        command.CommandText = "SELECT 1";
                        return await command.ExecuteScalarAsync(token);
                    }, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer.", ex);
            }
        }
    }

    public static void MapJamHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready) });
    }
}
