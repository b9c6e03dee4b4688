using JamServer.Infrastructure;
using JamServer.Jams;
using Marten;

namespace JamServer.Voting;

/// <summary>
/// When the jam is Closed, counts the votes from the event store (not from Redis) and publishes the shortlist as one
/// event. The shortlist's stream can be started only once, so however many nodes and triggers race, one result is
/// published; a PostgreSQL advisory lock, held while counting, keeps the other nodes from counting at the same time.
/// </summary>
public sealed partial class ShortlistPublisher(
    IDocumentStore store,
    JamState jam,
    JamIdentity identity,
    Microsoft.Extensions.Options.IOptions<JamOptions> options,
    TimeProvider clock,
    ILogger<ShortlistPublisher> log) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _nudge = new(0);
    private volatile ShortlistPublished? _published;

    /// <summary>The jam just closed here: count now rather than at the next poll.</summary>
    public void Nudge() => _nudge.Release();

    /// <summary>The published shortlist, or null while none is.</summary>
    public async Task<ShortlistPublished?> FindAsync(CancellationToken ct)
    {
        if (_published is null)
        {
            await using var session = store.QuerySession();
            var events = await session.Events.FetchStreamAsync(ShortlistPublished.StreamIdOf(identity.JamId), token: ct);
            _published = events.Select(e => e.Data).OfType<ShortlistPublished>().FirstOrDefault();
        }

        return _published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await ((Task)_nudge.WaitAsync(PollInterval, stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested || jam.Current.Phase is not JamPhase.Closed)
            {
                continue;
            }

            try
            {
                if (await FindAsync(stoppingToken) is null)
                {
                    await PublishAsync(stoppingToken);
                }
                else
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPublishFailed(log, ex);
            }
        }
    }

    private async Task PublishAsync(CancellationToken ct)
    {
        // Held by this connection and let go when done; a node that dies while counting lets go with its connection.
        await using var lockHolder = store.Storage.Database.CreateConnection();
        await lockHolder.OpenAsync(ct);
        await using (var take = lockHolder.CreateCommand())
        {
            take.CommandText = $"SELECT pg_try_advisory_lock(hashtext('{store.Options.Events.DatabaseSchemaName}.count'))";
            if (await take.ExecuteScalarAsync(ct) is not true)
            {
                return;
            }
        }

        try
        {
            if (await FindAsync(ct) is null)
            {
                await CountAndPublishAsync(ct);
            }
        }
        finally
        {
            await using var release = lockHolder.CreateCommand();
            release.CommandText = $"SELECT pg_advisory_unlock(hashtext('{store.Options.Events.DatabaseSchemaName}.count'))";
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task CountAndPublishAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        LogCounting(log, identity.NodeId);
        var result = await TallyReader.CountAsync(store, ct);
        if (options.Value.Testing.CountDelay > TimeSpan.Zero)
        {
            // A test hook (Jam:Testing:CountDelay): counted, not yet published, the lock held.
            await Task.Delay(options.Value.Testing.CountDelay, clock, ct);
        }

        await using var session = store.LightweightSession();
        var entries = await ShortlistBuilder.BuildAsync(session, result.Ranking, jam.Current.ShortlistSize, ct);
        var shortlist = new ShortlistPublished(identity.JamId, result.Digest, result.Ballots, result.Votes, entries, clock.GetUtcNow());
        session.Events.StartStream(ShortlistPublished.StreamIdOf(identity.JamId), shortlist);
        try
        {
            await session.SaveChangesAsync(ct);
            _published = shortlist;
            LogPublished(log, result.Ballots, result.Votes, result.Digest, clock.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex) when (Resilience.IsConflict(ex))
        {
            // Published by another node a moment ago; FindAsync reads it.
        }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Counting the votes for the shortlist on node {NodeId}")]
    private static partial void LogCounting(ILogger logger, string nodeId);

    [LoggerMessage(LogLevel.Information, "Shortlist published: {Ballots} ballots, {Votes} votes, digest {Digest}, counted in {Seconds:0.0} s")]
    private static partial void LogPublished(ILogger logger, int ballots, long votes, string digest, double seconds);

    [LoggerMessage(LogLevel.Error, "Publishing the shortlist failed; trying again")]
    private static partial void LogPublishFailed(ILogger logger, Exception ex);
}
