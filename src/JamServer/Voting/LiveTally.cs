using System.Threading.Channels;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Jams;
using Marten;
using StackExchange.Redis;

namespace JamServer.Voting;

/// <summary>
/// The live ranking in Redis, kept apart from the acknowledgements. After each commit the ballot writer hands over
/// the new state of each changed ballot (its proposals as cast, and its stream version); a queue applies them in
/// order, retrying while Redis is away. Redis keeps each ballot's last applied version and ignores older states, and
/// keeps per proposal a set of voters per kind, with the ranking's score the sizes of those sets. A merge is a set
/// union plus a record that ballots follow. So every update is idempotent and their order does not matter: the
/// ranking equals a count of the ballots, and a replay of the events (<see cref="RebuildAsync"/>) can run at any time.
/// A replay leaves a mark in Redis; in Voting or after, a node that finds no mark (at start, every 10 seconds, and as
/// soon as its Redis connection comes back) replays, so a Redis that restarted empty gets the whole ranking back.
/// </summary>
public sealed partial class LiveTally(
    IConnectionMultiplexer redis, JamIdentity identity, IDocumentStore store, JamState jam, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<JamOptions> options, ILogger<LiveTally> log)
    : BackgroundService
{
    private const int QueueCapacity = 100_000;
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    /// <summary>Long enough for any replay; only so that the marker of a node that died mid-rebuild does not stay.</summary>
    private static readonly TimeSpan RebuildingLifetime = TimeSpan.FromHours(1);

    /// <summary>A ballot as stored after a commit: the proposals its votes were cast for, before merges.</summary>
    public sealed record BallotState(string VoterId, string Kind, long Version, IReadOnlyList<string> Proposals);

    public sealed record Standing(string ProposalId, long Votes);

    private abstract record Update;

    private sealed record Ballots(IReadOnlyList<BallotState> States) : Update;

    private sealed record Merge(string SourceId, string TargetId) : Update;

    private readonly Channel<Update> _queue = Channel.CreateBounded<Update>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private volatile bool _rebuildNeeded;
    private volatile bool _checkNow;

    private const string Functions = """
        local p = ARGV[1]
        local kinds = {'employee', 'customer', 'partner', 'guest'}
        local function resolve(id)
          for _ = 1, 64 do
            local into = redis.call('HGET', p .. 'merged', id)
            if not into then return id end
            id = into
          end
          return id
        end
        local function rescore(id)
          local n = 0
          for _, k in ipairs(kinds) do n = n + redis.call('SCARD', p .. 'voters:' .. id .. ':' .. k) end
          redis.call('ZADD', p .. 'ranking', n, id)
        end

        """;

    // ARGV: prefix, then per ballot: voter, kind, version, count, proposal ids. Proposal ids are kept as small numbers.
    private const string BallotScript = Functions + """
        local function number(name)
          local n = redis.call('HGET', p .. 'pid', name)
          if not n then
            n = redis.call('HINCRBY', p .. 'seq', 'pid', 1)
            redis.call('HSET', p .. 'pid', name, n)
            redis.call('HSET', p .. 'pname', n, name)
          end
          return n
        end
        local i = 2
        while i <= #ARGV do
          local voter, kind, version, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
          local old = redis.call('HGET', p .. 'ballot', voter)
          local oldVersion, oldKind, oldList = 0, kind, ''
          if old then
            local v
            v, oldKind, oldList = string.match(old, '^(%d+)|([^|]*)|(.*)$')
            oldVersion = tonumber(v)
          end
          if version > oldVersion then
            local before, after, numbers = {}, {}, {}
            for n in string.gmatch(oldList, '[^,]+') do before[resolve(redis.call('HGET', p .. 'pname', n))] = true end
            for j = 1, count do
              local id = ARGV[i + 3 + j]
              after[resolve(id)] = true
              numbers[j] = number(id)
            end
            for root in pairs(before) do
              if not after[root] then
                redis.call('SREM', p .. 'voters:' .. root .. ':' .. oldKind, voter)
                rescore(root)
              end
            end
            for root in pairs(after) do
              if not before[root] then
                redis.call('SADD', p .. 'voters:' .. root .. ':' .. kind, voter)
                rescore(root)
              end
            end
            redis.call('HSET', p .. 'ballot', voter, version .. '|' .. kind .. '|' .. table.concat(numbers, ','))
          end
          i = i + 4 + count
        end
        return redis.call('INCR', p .. 'version')
        """;

    private const string MergeScript = Functions + """
        local source, target = ARGV[2], resolve(ARGV[3])
        if source == target then return redis.call('INCR', p .. 'version') end
        redis.call('HSET', p .. 'merged', source, target)
        for _, k in ipairs(kinds) do
          local from, into = p .. 'voters:' .. source .. ':' .. k, p .. 'voters:' .. target .. ':' .. k
          redis.call('SUNIONSTORE', into, into, from)
          redis.call('DEL', from)
        end
        redis.call('ZREM', p .. 'ranking', source)
        rescore(target)
        return redis.call('INCR', p .. 'version')
        """;

    private string Prefix => $"jam:{identity.JamId}:tally:";

    private RedisKey Ranking => Prefix + "ranking";

    /// <summary>Set by a rebuild: the ranking holds every stored vote. Gone with the rest when Redis loses its data.</summary>
    private RedisKey Complete => Prefix + "complete";

    /// <summary>Set when a rebuild starts, to a value of its own; gone if Redis loses its data meanwhile.</summary>
    private RedisKey Rebuilding => Prefix + "rebuilding";

    // KEYS: the marker, the complete mark; ARGV: this rebuild's marker value, the time. The mark only if this rebuild's
    // marker is still there: a Redis that restarted meanwhile holds only part of the ranking.
    private const string CompleteScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2])
        redis.call('DEL', KEYS[1])
        return 1
        """;

    /// <summary>Never waits; with the queue full the update is dropped and the ranking rebuilt from the events (in Wait
    /// mode TryWrite refuses rather than drops, so the loss is seen).</summary>
    public void Enqueue(IReadOnlyList<BallotState> states)
    {
        if (states.Count > 0 && !_queue.Writer.TryWrite(new Ballots(states)))
        {
            _rebuildNeeded = true;
        }
    }

    public void EnqueueMerge(string sourceId, string targetId)
    {
        if (!_queue.Writer.TryWrite(new Merge(sourceId, targetId)))
        {
            _rebuildNeeded = true;
        }
    }

    /// <summary>The store may hold votes Redis did not get: replay the events when the queue is next idle.</summary>
    public void RequestRebuild() => _rebuildNeeded = true;

    public Task AddProposalAsync(string proposalId) =>
        redis.GetDatabase().SortedSetAddAsync(Ranking, proposalId, 0, SortedSetWhen.NotExists);

    /// <summary>Grows with every applied change; the broadcaster pushes when it moved.</summary>
    public async Task<long> VersionAsync() => (long?)await redis.GetDatabase().StringGetAsync(Prefix + "version") ?? 0;

    public async Task<IReadOnlyList<Standing>> TopAsync(int count)
    {
        var top = await redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(Ranking, 0, count - 1, Order.Descending);
        return top.Select(e => new Standing(e.Element!, (long)e.Score)).ToList();
    }

    /// <summary>The live vote count of each proposal asked for; 0 for one without votes.</summary>
    public async Task<IReadOnlyDictionary<string, long>> SupportAsync(IReadOnlyList<string> proposalIds)
    {
        if (proposalIds.Count == 0)
        {
            return new Dictionary<string, long>();
        }

        var scores = await redis.GetDatabase().SortedSetScoresAsync(Ranking, proposalIds.Select(id => (RedisValue)id).ToArray());
        return proposalIds.Select((id, i) => (id, votes: (long)(scores[i] ?? 0))).ToDictionary(x => x.id, x => x.votes, StringComparer.Ordinal);
    }

    /// <summary>
    /// As <see cref="SupportAsync"/> for a client's request, but empty (every count 0) while Redis is disconnected, and
    /// when it does not answer within <see cref="RedisReads.Timeout"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> SupportOrNoneAsync(IReadOnlyList<string> proposalIds)
    {
        if (!redis.IsConnected)
        {
            return new Dictionary<string, long>();
        }

        try
        {
            return await SupportAsync(proposalIds).WithinReadTimeout();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReadFailed(log, ex);
            return new Dictionary<string, long>();
        }
    }

    /// <summary>Voters of each proposal by kind (employee, customer, partner, guest).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>>> ByKindAsync(IReadOnlyList<string> proposalIds)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var counts = proposalIds.ToDictionary(
            id => id,
            id => ParticipantKinds.All.ToDictionary(k => k, k => batch.SetLengthAsync($"{Prefix}voters:{id}:{k}")),
            StringComparer.Ordinal);
        batch.Execute();
        var result = new Dictionary<string, IReadOnlyDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (id, kinds) in counts)
        {
            var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (kind, count) in kinds)
            {
                byKind[kind] = await count;
            }

            result[id] = byKind;
        }

        return result;
    }

    /// <summary>
    /// Replays the stored merges and ballots into Redis. Safe beside live updates: a ballot state older than the one
    /// Redis holds is ignored, and merges are idempotent.
    /// </summary>
    public async Task RebuildAsync(CancellationToken ct)
    {
        var marker = Guid.NewGuid().ToString("N");
        await redis.GetDatabase().StringSetAsync(Rebuilding, marker, RebuildingLifetime);
        var (tally, _, merges) = await TallyReader.ReadAsync(store, ct);
        foreach (var merge in merges)
        {
            await ApplyAsync(new Merge(merge.ProposalId, merge.TargetId));
        }

        foreach (var chunk in tally.Ballots().Chunk(500))
        {
            await ApplyAsync(new Ballots(chunk));
        }

        if (options.Value.Testing.RebuildDelay > TimeSpan.Zero)
        {
            // A test hook (Jam:Testing:RebuildDelay): replayed, not yet marked complete.
            await Task.Delay(options.Value.Testing.RebuildDelay, clock, ct);
        }

        var at = clock.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        if ((int)await redis.GetDatabase().ScriptEvaluateAsync(CompleteScript, [Rebuilding, Complete], [marker, at]) == 0)
        {
            // Redis lost its data during the replay (or another node's replay began since, and will leave the mark):
            // without the mark, the periodic check replays again.
            LogRebuildInterrupted(log, tally.EventsRead);
            return;
        }

        LogRebuilt(log, tally.EventsRead);
    }

    /// <summary>Whether Redis holds the mark of a whole rebuild.</summary>
    public async Task<bool> IsCompleteAsync() => await redis.GetDatabase().KeyExistsAsync(Complete);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored += LookAgain;
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Applies what is queued before stopping (the ballot writer, which stops just before, hands its last ballots here):
    /// the other nodes would not know to rebuild for them. For a few seconds at most, so that a Redis that is away does
    /// not take the stop's whole time from the services that stop after this one (the post writer among them).
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionRestored -= LookAgain;
        _queue.Writer.TryComplete();
        if (ExecuteTask is { } loop)
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await base.StopAsync(cancellationToken);
    }

    /// <summary>Redis may have come back empty: look at once rather than at the next periodic check.</summary>
    private void LookAgain(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            _checkNow = true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        _rebuildNeeded = await VotesMayBeStoredAsync(stoppingToken);
        var lastCheck = clock.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_checkNow || clock.GetElapsedTime(lastCheck) >= CheckEvery)
                {
                    // Redis restarted empty while this node ran. Not told by the version key: updates queued meanwhile
                    // write it again, and would leave a ranking of only the votes cast during the outage.
                    _checkNow = false;
                    lastCheck = clock.GetTimestamp();
                    _rebuildNeeded |= await VotesMayBeStoredAsync(stoppingToken)
                        && !await IsCompleteAsync();
                }

                if (_rebuildNeeded)
                {
                    _rebuildNeeded = false;
                    try
                    {
                        await RebuildAsync(stoppingToken);
                    }
                    catch
                    {
                        _rebuildNeeded = true;
                        throw;
                    }
                }

                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                idle.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    if (!await _queue.Reader.WaitToReadAsync(idle.Token))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // Idle for a second: look at the rebuild flag and the periodic check again.
                    continue;
                }

                // Peek, apply, then take: an update that failed is tried again, in its place. A few at a time, so a
                // requested rebuild is not starved by a steady stream.
                for (var applied = 0; applied < 1000 && _queue.Reader.TryPeek(out var update); applied++)
                {
                    await ApplyAsync(update);
                    _queue.Reader.TryRead(out _);
                    pause = TimeSpan.FromMilliseconds(250);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogApplyFailed(log, ex);
                await Task.Delay(pause, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                pause = pause * 2 < MaxRetryPause ? pause * 2 : MaxRetryPause;
            }
        }
    }

    /// <summary>
    /// In Voting or after, the store may hold votes Redis does not: at start a node replays them all (updates Redis
    /// already has are skipped by their version), since its queue died with its last process.
    /// </summary>
    private async Task<bool> VotesMayBeStoredAsync(CancellationToken ct)
    {
        try
        {
            return (await jam.RefreshAsync(ct)).Phase is JamPhase.Voting or JamPhase.Closed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogApplyFailed(log, ex);
            return true;
        }
    }

    private async Task ApplyAsync(Update update)
    {
        var db = redis.GetDatabase();
        switch (update)
        {
            case Ballots ballots:
                var args = new List<RedisValue> { Prefix };
                foreach (var state in ballots.States)
                {
                    args.AddRange([state.VoterId, state.Kind, state.Version, state.Proposals.Count]);
                    args.AddRange(state.Proposals.Select(id => (RedisValue)id));
                }

                await db.ScriptEvaluateAsync(BallotScript, values: args.ToArray());
                break;
            case Merge merge:
                await db.ScriptEvaluateAsync(MergeScript, values: [Prefix, merge.SourceId, merge.TargetId]);
                break;
        }
    }

    [LoggerMessage(LogLevel.Warning, "The live ranking could not be updated in Redis; trying again")]
    private static partial void LogApplyFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "The live ranking could not be read from Redis; showing no support")]
    private static partial void LogReadFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "The live ranking was replayed from {Events} vote events, but its marker is gone (Redis lost its data, or another replay began); not marked complete")]
    private static partial void LogRebuildInterrupted(ILogger logger, long events);

    [LoggerMessage(LogLevel.Information, "The live ranking was rebuilt from {Events} vote events")]
    private static partial void LogRebuilt(ILogger logger, long events);
}
