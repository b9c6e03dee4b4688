using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>Per-participant token buckets (on this node) for hub calls that write.</summary>
public sealed class ParticipantRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _posts;

    public ParticipantRateLimits(IOptions<JamOptions> options)
    {
        var settings = options.Value;
        _posts = PartitionedRateLimiter.Create<string, string>(participantId =>
            RateLimitPartition.GetTokenBucketLimiter(participantId, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.PostBurst,
                TokensPerPeriod = settings.PostsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                // The partitioned limiter refills every bucket from one timer; a timer per participant would not scale.
                AutoReplenishment = false,
            }));
    }

    public void AcquirePost(string participantId)
    {
        using var lease = _posts.AttemptAcquire(participantId);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            throw new JamException(
                ErrorCodes.RateLimited,
                string.Create(CultureInfo.InvariantCulture, $"Too many posts; retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s."));
        }
    }

    public void Dispose() => _posts.Dispose();
}
