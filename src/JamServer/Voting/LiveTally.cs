using JamServer.Identity;
using JamServer.Infrastructure;
using StackExchange.Redis;

namespace JamServer.Voting;

/// <summary>
/// The live ranking in Redis. Each proposal keeps a set of its voters per kind and a score in one sorted set equal to
/// the sizes of those sets, so a change applied twice counts once and a merge is a union: the ranking agrees with a
/// count of the ballots however votes, retractions and merges interleave. Scripts run atomically in Redis.
/// </summary>
public sealed class LiveTally(IConnectionMultiplexer redis, JamIdentity identity)
{
    /// <summary>One vote added to or taken from the proposal it counts for.</summary>
    public sealed record Change(string ProposalId, string VoterId, string Kind, bool Added);

    public sealed record Standing(string ProposalId, long Votes);

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

    private const string ApplyScript = Functions + "\n" + """
        for i = 2, #ARGV, 4 do
          local id = resolve(ARGV[i + 1])
          if ARGV[i] == '+' then
            redis.call('SADD', p .. 'voters:' .. id .. ':' .. ARGV[i + 2], ARGV[i + 3])
          else
            for _, k in ipairs(kinds) do redis.call('SREM', p .. 'voters:' .. id .. ':' .. k, ARGV[i + 3]) end
          end
          rescore(id)
        end
        return redis.call('INCR', p .. 'version')
        """;

    private const string MergeScript = Functions + "\n" + """
        local source, target = ARGV[2], resolve(ARGV[3])
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

    public async Task ApplyAsync(IReadOnlyList<Change> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var args = new RedisValue[1 + changes.Count * 4];
        args[0] = Prefix;
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            args[1 + i * 4] = change.Added ? "+" : "-";
            args[2 + i * 4] = change.ProposalId;
            args[3 + i * 4] = change.Kind;
            args[4 + i * 4] = change.VoterId;
        }

        await redis.GetDatabase().ScriptEvaluateAsync(ApplyScript, values: args);
    }

    public Task AddProposalAsync(string proposalId) =>
        redis.GetDatabase().SortedSetAddAsync(Ranking, proposalId, 0, SortedSetWhen.NotExists);

    public Task MergeAsync(string sourceId, string targetId) =>
        redis.GetDatabase().ScriptEvaluateAsync(MergeScript, values: [Prefix, sourceId, targetId]);

    /// <summary>Grows with every change; the broadcaster pushes when it moved.</summary>
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
}
