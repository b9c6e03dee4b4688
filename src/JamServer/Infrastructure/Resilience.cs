using System.Globalization;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace JamServer.Infrastructure;

/// <summary>
/// How calls to PostgreSQL meet its faults. Every write, and the reads on a client's path, run through
/// <see cref="Store"/>: an attempt that takes longer than <see cref="AttemptTimeout"/> is cancelled, and once most calls
/// fail the circuit opens and calls fail at once for <see cref="BreakDuration"/> instead of each waiting out a timeout;
/// then one call tries the store again. Clients get UNAVAILABLE with a time to retry after.
/// </summary>
public static partial class Resilience
{
    /// <summary>For every call to the store: a circuit breaker around a timeout. One instance, so one circuit per node.</summary>
    public const string Store = "store";

    /// <summary>For writes that carry an idempotency key (posts): safe to retry even if the first try committed.</summary>
    public const string StoreWrite = "store-write";

    /// <summary>A batch commits in milliseconds; one that is still running after this is waiting for a store that is gone.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the open circuit refuses calls, and so the retry time clients are given.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(2);

    public static WebApplicationBuilder AddJamResilience(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ResiliencePipelineProvider<string>>(services =>
        {
            var log = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Resilience));
            var registry = new ResiliencePipelineRegistry<string>();
            registry.TryAddBuilder(Store, (pipeline, _) => pipeline
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(IsStoreFault),
                    FailureRatio = 0.5,
                    MinimumThroughput = 3,

                    // Short, so that a busy minute's successes do not hold the circuit closed after the store went away.
                    SamplingDuration = TimeSpan.FromSeconds(2),
                    BreakDuration = BreakDuration,
                    OnOpened = args =>
                    {
                        LogCircuitOpened(log, args.Outcome.Exception, args.BreakDuration.TotalSeconds);
                        return ValueTask.CompletedTask;
                    },
                    OnClosed = _ =>
                    {
                        LogCircuitClosed(log);
                        return ValueTask.CompletedTask;
                    },
                })
                .AddTimeout(AttemptTimeout));

            // Around the same store pipeline instance, so that post writes share its circuit. A timeout or an open
            // circuit is not retried here: the store is away, and the client is better told at once.
            registry.TryAddBuilder(StoreWrite, (pipeline, _) => pipeline
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                    MaxRetryAttempts = 3,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(100),
                })
                .AddPipeline(registry.GetPipeline(Store)));
            return registry;
        });
        return builder;
    }

    /// <summary>
    /// Runs a call to the store through the <see cref="Store"/> pipeline. On a server that stopped answering, Npgsql's
    /// cancellation waits for the server as well (up to its command or connect timeout, 15 to 45 s measured), so the
    /// caller stops waiting at the timeout and the call is left to end by itself. Only for calls that keep no state
    /// beyond their own: a batch writer watches its commits itself (<see cref="BatchWriter{TCommand, TAck, TFact}"/>).
    /// </summary>
    public static ValueTask<T> StoreAsync<T>(
        this ResiliencePipelineProvider<string> pipelines, Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        pipelines.GetPipeline(Store).ExecuteAsync(async token => await call(token).WaitAsync(token), ct);

    /// <summary>
    /// An endpoint that reads the store answers through the <see cref="Store"/> pipeline: 503 UNAVAILABLE at once while
    /// the circuit is open, and after the timeout when the server hangs. Only for handlers that return their result
    /// rather than write the response themselves, since a handler that hangs is left behind; and only for handlers that
    /// read nothing but the store: a Redis call inside would count a Redis that hangs against PostgreSQL's circuit (such
    /// a handler wraps its store reads in <see cref="StoreAsync{T}"/> and reads Redis outside, see <see cref="RedisReads"/>).
    /// </summary>
    public static TBuilder ReadsStore<TBuilder>(this TBuilder endpoint)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var pipelines = context.HttpContext.RequestServices.GetRequiredService<ResiliencePipelineProvider<string>>();
            return await pipelines.StoreAsync(async _ => await next(context), context.HttpContext.RequestAborted);
        });

    /// <summary>A store error that may pass by itself: a dropped connection, a failover, a timeout.</summary>
    public static bool IsTransient(Exception ex) =>
        !IsConflict(ex) && Chain(ex).Any(e => e is NpgsqlException { IsTransient: true } or TimeoutException);

    /// <summary>The store did not answer: a transient error, an attempt that timed out, or the circuit open.</summary>
    public static bool IsUnavailable(Exception ex) => IsTransient(ex) || IsAway(ex);

    /// <summary>The store is taken to be away: an attempt waited out its timeout, or the circuit is open.</summary>
    public static bool IsAway(Exception ex) => Chain(ex).Any(e => e is BrokenCircuitException or TimeoutRejectedException);

    /// <summary>When to try again: what is left of the open circuit's break, else its whole length.</summary>
    public static TimeSpan RetryAfter(Exception ex) =>
        Chain(ex).OfType<BrokenCircuitException>().FirstOrDefault()?.RetryAfter is { } left && left > TimeSpan.Zero ? left : BreakDuration;

    /// <summary>Whole seconds to retry after, at least one: for the Retry-After header and error messages.</summary>
    public static string RetryAfterSeconds(Exception ex) =>
        Math.Max(1, (int)Math.Ceiling(RetryAfter(ex).TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Someone else wrote first: a stream version or a unique key was taken.</summary>
    public static bool IsConflict(Exception ex) => Chain(ex).Any(e =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }
        || e.GetType().Name is "ConcurrencyException" or "EventStreamUnexpectedMaxEventIdException"
            or "ExistingStreamIdCollisionException" or "DocumentAlreadyExistsException");

    /// <summary>What counts against the circuit: the store failing or not answering, never a refusal by a rule.</summary>
    private static bool IsStoreFault(Exception ex) => ex is TimeoutRejectedException || IsTransient(ex);

    private static IEnumerable<Exception> Chain(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }

    [LoggerMessage(LogLevel.Warning, "The store is failing; its calls are refused for {Seconds} s before one tries again")]
    private static partial void LogCircuitOpened(ILogger logger, Exception? ex, double seconds);

    [LoggerMessage(LogLevel.Information, "The store answers again; its calls go through")]
    private static partial void LogCircuitClosed(ILogger logger);
}
