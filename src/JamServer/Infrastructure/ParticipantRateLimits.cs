using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// Per-participant token buckets (on this node) for hub calls: posts (and proposals, merges), votes, flags and room
/// joins. A refusal is RATE_LIMITED with when to retry; the connection stays usable.
/// </summary>
public sealed class ParticipantRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _posts;
    private readonly PartitionedRateLimiter<string> _votes;
    private readonly PartitionedRateLimiter<string> _flags;
    private readonly PartitionedRateLimiter<string> _joins;

    private readonly JamMetrics _metrics;

    public ParticipantRateLimits(IOptions<JamOptions> options, JamMetrics metrics)
    {
        _metrics = metrics;
        var settings = options.Value;
        _posts = Buckets(settings.PostsPerSecond, settings.PostBurst);
        _votes = Buckets(settings.VotesPerSecond, settings.VoteBurst);
        _flags = Buckets(settings.FlagsPerSecond, settings.FlagBurst);
        _joins = Buckets(settings.JoinsPerSecond, settings.JoinBurst);
    }

    public void AcquirePost(string participantId) => Acquire(_posts, participantId, "posts", "posts");

    public void AcquireVote(string participantId) => Acquire(_votes, participantId, "votes", "votes");

    public void AcquireFlag(string participantId) => Acquire(_flags, participantId, "flags", "flags");

    public void AcquireJoin(string participantId) => Acquire(_joins, participantId, "room joins", "joins");

    public void Dispose()
    {
        _posts.Dispose();
        _votes.Dispose();
        _flags.Dispose();
        _joins.Dispose();
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

    private void Acquire(PartitionedRateLimiter<string> limiter, string participantId, string what, string limit)
    {
        using var lease = limiter.AttemptAcquire(participantId);
        if (!lease.IsAcquired)
        {
            _metrics.RateLimited(limit);
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
            throw new JamException(
                ErrorCodes.RateLimited,
                string.Create(CultureInfo.InvariantCulture, $"Too many {what}; retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s."));
        }
    }
}
