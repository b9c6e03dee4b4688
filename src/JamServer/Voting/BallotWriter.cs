using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;
using Marten;
using Polly.Registry;

namespace JamServer.Voting;

/// <summary>
/// The one writer of votes on this node (see <see cref="BatchWriter{TCommand, TAck, TFact}"/>). Each participant's
/// ballot is an event stream appended at the version its decision read, so two votes racing from several
/// connections or nodes can never both pass the budget: the second commit conflicts and is decided again. The
/// ballot's state is stored with its events in the same transaction, and each partition keeps the ballots it wrote
/// in memory (a voter's votes all go to one partition); any failure, a conflict included, forgets them, so the next
/// decision reads the store. The store refuses votes outside Voting (<see cref="PhaseGuard"/>), so no acknowledged
/// vote misses the tally.
/// </summary>
public sealed class BallotWriter(
    IDocumentStore store,
    JamState jam,
    LiveTally tally,
    ProposalCatalog catalog,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<JamOptions> options,
    JamMetrics metrics,
    ILogger<BallotWriter> log)
    : BatchWriter<CastVote.Command, VoteAck, LiveTally.BallotState>(
        pipelines, options.Value.VoteBatchMax, options.Value.WriterPartitions, metrics, log)
{
    /// <summary>Ballots a partition keeps before it starts again from the store.</summary>
    private const int MaxKept = 100_000;

    private readonly Dictionary<string, BallotView>[] _kept =
        Enumerable.Range(0, options.Value.WriterPartitions).Select(_ => new Dictionary<string, BallotView>(StringComparer.Ordinal)).ToArray();

    protected override string Noun => "vote";

    protected override string PartitionKey(CastVote.Command command) => command.VoterId;

    // A vote has no client id: a retry after a lost commit answer would refuse it as already voted.
    protected override bool RetriesTransientErrors => false;

    protected override void OnUncertain() => tally.RequestRebuild();

    protected override void Forget(int partition) => _kept[partition].Clear();

    // Set when the store refused a batch for the phase: this node's copy of the phase is behind.
    private volatile bool _phaseStale;

    protected override JamException? RefusalOf(Exception ex)
    {
        if (!PhaseGuard.IsRefusal(ex))
        {
            return null;
        }

        _phaseStale = true;
        return new JamException(ErrorCodes.PhaseClosed, "Voting has ended.");
    }

    protected override Task AfterCommitAsync(int partition, IReadOnlyList<Outcome> outcomes)
    {
        tally.Enqueue(outcomes.Select(o => o.Fact).OfType<LiveTally.BallotState>()
            .GroupBy(s => s.VoterId).Select(g => g.MaxBy(s => s.Version)!).ToList());
        return Task.CompletedTask;
    }

    protected override async Task<Outcome[]> CommitAsync(int partition, IReadOnlyList<CastVote.Command> batch, CancellationToken ct)
    {
        var view = jam.Current;
        if (_phaseStale || view.Phase is not JamPhase.Voting)
        {
            _phaseStale = false;
            view = await jam.RefreshAsync(ct);
        }
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();

        var ballots = view.Phase is JamPhase.Voting ? await BallotsAsync(session, partition, batch, ct) : [];
        var readVersions = ballots.ToDictionary(b => b.Key, b => b.Value.StreamVersion, StringComparer.Ordinal);
        var proposals = await catalog.CurrentAsync(batch.Select(c => c.ProposalId), ct);

        var outcomes = new Outcome[batch.Count];
        var appends = new Dictionary<string, List<object>>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var command = batch[i];
            var ballot = ballots.GetValueOrDefault(BallotView.StreamIdOf(command.VoterId)) ?? BallotView.Empty(command.VoterId);
            try
            {
                var decision = CastVote.Decide(ballot, command, proposals.GetValueOrDefault, view.VoteBudget, view.Phase, now);
                foreach (var e in decision.Events)
                {
                    ballot.Apply(e);
                }

                var appended = appends.TryGetValue(ballot.Id, out var list) ? list : appends[ballot.Id] = [];
                appended.AddRange(decision.Events);
                ballot.StreamVersion = readVersions.GetValueOrDefault(ballot.Id) + appended.Count;
                var state = new LiveTally.BallotState(command.VoterId, ballot.Kind, ballot.StreamVersion, ballot.Proposals.ToList());
                outcomes[i] = new Outcome(new VoteAck(decision.Remaining), state, null);
            }
            catch (JamException refused)
            {
                outcomes[i] = new Outcome(null, null, refused);
            }
        }

        if (appends.Count == 0)
        {
            return outcomes;
        }

        foreach (var (streamId, events) in appends)
        {
            var readVersion = readVersions.GetValueOrDefault(streamId);
            if (readVersion == 0)
            {
                session.Events.StartStream(streamId, events.ToArray());
            }
            else
            {
                session.Events.Append(streamId, readVersion + events.Count, events.ToArray());
            }

            session.Store(ballots[streamId]);
        }

        await session.SaveChangesAsync(ct);
        return outcomes;
    }

    /// <summary>
    /// The batch's ballots, from this partition's memory or else from the store, kept from now on. Each is checked
    /// against its stream's version in one read: a ballot another node changed meanwhile (or a stored state that
    /// lags its stream) is rebuilt from its events, so even a refusal is decided on the ballot as stored. The objects
    /// are decided on in place: should the commit fail, <see cref="Forget"/> drops them all.
    /// </summary>
    private async Task<Dictionary<string, BallotView>> BallotsAsync(
        IDocumentSession session, int partition, IReadOnlyList<CastVote.Command> batch, CancellationToken ct)
    {
        var kept = _kept[partition];
        if (kept.Count > MaxKept)
        {
            kept.Clear();
        }

        var streamIds = batch.Select(c => BallotView.StreamIdOf(c.VoterId)).Distinct().ToArray();
        var missing = streamIds.Where(id => !kept.ContainsKey(id)).ToArray();
        if (missing.Length > 0)
        {
            var stored = (await session.LoadManyAsync<BallotView>(ct, missing)).ToDictionary(b => b.Id, StringComparer.Ordinal);
            foreach (var id in missing)
            {
                kept[id] = stored.GetValueOrDefault(id) ?? BallotView.Empty(id[BallotView.StreamIdOf("").Length..]);
            }
        }

        foreach (var (id, version) in await StreamVersionsAsync(streamIds, ct))
        {
            if (kept[id].StreamVersion != version)
            {
                kept[id] = await FromEventsAsync(session, kept[id].VoterId, id, ct);
            }
        }

        return streamIds.ToDictionary(id => id, id => kept[id], StringComparer.Ordinal);
    }

    private async Task<List<(string Id, long Version)>> StreamVersionsAsync(string[] streamIds, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, version FROM {store.Options.Events.DatabaseSchemaName}.mt_streams WHERE id = ANY(@ids)";
        command.Parameters.AddWithValue("ids", streamIds);
        var versions = new List<(string, long)>(streamIds.Length);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            versions.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return versions;
    }

    private static async Task<BallotView> FromEventsAsync(IDocumentSession session, string voterId, string streamId, CancellationToken ct)
    {
        var ballot = BallotView.Empty(voterId);
        foreach (var e in await session.Events.FetchStreamAsync(streamId, token: ct))
        {
            ballot.Apply(e.Data);
            ballot.StreamVersion = e.Version;
        }

        return ballot;
    }
}
