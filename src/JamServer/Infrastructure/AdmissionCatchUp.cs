using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// At most <see cref="AdmissionOptions.CatchUpConcurrency"/> JoinRoom calls (whose catch-up reads PostgreSQL) run at
/// once on a node, the rest wait in line, oldest first; past <see cref="AdmissionOptions.CatchUpQueue"/> waiting, a
/// JoinRoom is refused with UNAVAILABLE and a retry time, and the connection stays open. Other calls never wait here.
/// </summary>
public sealed class CatchUpAdmission(IOptions<AdmissionOptions> options, JamMetrics metrics) : IHubFilter, IDisposable
{
    private readonly ConcurrencyLimiter _reads = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.CatchUpConcurrency,
        QueueLimit = options.Value.CatchUpQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>JoinRoom calls waiting in line now.</summary>
    public long Waiting => _reads.GetStatistics()?.CurrentQueuedCount ?? 0;

    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocationContext.HubMethodName != nameof(Live.JamHub.JoinRoom))
        {
            return await next(invocationContext);
        }

        using var lease = await _reads.AcquireAsync(1, invocationContext.Context.ConnectionAborted);
        if (!lease.IsAcquired)
        {
            var seconds = 1 + Random.Shared.Next(0, 3);
            metrics.RateLimited("catch-ups");
            throw new JamException(ErrorCodes.Unavailable, string.Create(
                CultureInfo.InvariantCulture, $"The server is catching up many clients at once; retry after {seconds} s."));
        }

        return await next(invocationContext);
    }

    public void Dispose() => _reads.Dispose();
}
