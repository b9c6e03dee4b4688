using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>Per-participant token buckets (on this node) for hub calls that write: posts (and proposals, merges), and votes.</summary>
public sealed class ParticipantRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _posts;
    private readonly PartitionedRateLimiter<string> _votes;

    public ParticipantRateLimits(IOptions<JamOptions> options)
    {
        var settings = options.Value;
        _posts = Buckets(settings.PostsPerSecond, settings.PostBurst);
        _votes = Buckets(settings.VotesPerSecond, settings.VoteBurst);
    }

    public void AcquirePost(string participantId) => Acquire(_posts, participantId, "posts");

    public void AcquireVote(string participantId) => Acquire(_votes, participantId, "votes");

    public void Dispose()
    {
        _posts.Dispose();
        _votes.Dispose();
    }

    private static PartitionedRateLimiter<string> Buckets(int perSecond, int burst) =>
        PartitionedRateLimiter.Create<string, string>(participantId =>
            RateLimitPartition.GetTokenBucketLimiter(participantId, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                // The partitioned limiter refills every bucket from one timer; a timer per participant would not scale.
                AutoReplenishment = false,
            }));

    private static void Acquire(PartitionedRateLimiter<string> limiter, string participantId, string what)
    {
        using var lease = limiter.AttemptAcquire(participantId);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            throw new JamException(
                ErrorCodes.RateLimited,
                string.Create(CultureInfo.InvariantCulture, $"Too many {what}; retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s."));
        }
    }
}
