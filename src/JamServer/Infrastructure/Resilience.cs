using Npgsql;
using Polly;
using Polly.Registry;
using Polly.Retry;

namespace JamServer.Infrastructure;

public static class Resilience
{
    /// <summary>For writes that carry an idempotency key (posts): safe to retry even if the first try committed.</summary>
    public const string StoreWrite = "store-write";

    public static WebApplicationBuilder AddJamResilience(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ResiliencePipelineProvider<string>>(_ =>
        {
            var registry = new ResiliencePipelineRegistry<string>();
            registry.TryAddBuilder(StoreWrite, (pipeline, _) => pipeline.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
            }));
            return registry;
        });
        return builder;
    }

    /// <summary>A store error that may pass by itself: a dropped connection, a failover, a timeout.</summary>
    public static bool IsTransient(Exception ex) =>
        !IsConflict(ex) && Chain(ex).Any(e => e is NpgsqlException { IsTransient: true } or TimeoutException);

    /// <summary>Someone else wrote first: a stream version or a unique key was taken.</summary>
    public static bool IsConflict(Exception ex) => Chain(ex).Any(e =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.GetType().Name is "ConcurrencyException" or "EventStreamUnexpectedMaxEventIdException"
            or "ExistingStreamIdCollisionException" or "DocumentAlreadyExistsException");

    private static IEnumerable<Exception> Chain(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }
}
