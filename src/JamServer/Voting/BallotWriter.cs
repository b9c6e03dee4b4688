using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;
using Marten;
using Polly.Registry;

namespace JamServer.Voting;

/// <summary>
/// The one writer of votes on this node (see <see cref="BatchWriter{TCommand, TAck, TFact}"/>). Each participant's
/// ballot is an event stream appended at the version its decision read, so two votes racing from several
/// connections or nodes can never both pass the budget: the second commit conflicts and is decided again. The same
/// transaction checks that the jam is still in Voting (<see cref="PhaseGuard"/>), so no acknowledged vote misses
/// the tally.
/// </summary>
public sealed class BallotWriter(
    IDocumentStore store,
    JamState jam,
    LiveTally tally,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<JamOptions> options,
    ILogger<BallotWriter> log)
    : BatchWriter<CastVote.Command, VoteAck, LiveTally.BallotState>(
        pipelines, options.Value.VoteBatchMax, options.Value.WriterPartitions, log)
{
    protected override string Noun => "vote";

    protected override string PartitionKey(CastVote.Command command) => command.VoterId;

    // A vote has no client id: a retry after a lost commit answer would refuse it as already voted.
    protected override bool RetriesTransientErrors => false;

    protected override void OnUncertain() => tally.RequestRebuild();

    protected override JamException? RefusalOf(Exception ex) =>
        PhaseGuard.IsRefusal(ex)
            ? new JamException(ErrorCodes.PhaseClosed, "Voting has ended.")
            : null;

    protected override Task AfterCommitAsync(int partition, IReadOnlyList<Outcome> outcomes)
    {
        tally.Enqueue(outcomes.Select(o => o.Fact).OfType<LiveTally.BallotState>()
            .GroupBy(s => s.VoterId).Select(g => g.MaxBy(s => s.Version)!).ToList());
        return Task.CompletedTask;
    }

    protected override async Task<Outcome[]> CommitAsync(int partition, IReadOnlyList<CastVote.Command> batch, CancellationToken ct)
    {
        var commands = batch;
        var view = jam.Current.Phase is JamPhase.Voting ? jam.Current : await jam.RefreshAsync(ct);
        var now = clock.GetUtcNow();
        await using var session = store.LightweightSession();

        var streamIds = commands.Select(c => BallotView.StreamIdOf(c.VoterId)).Distinct().ToArray();
        var ballots = view.Phase is JamPhase.Voting
            ? (await session.LoadManyAsync<BallotView>(ct, streamIds)).ToDictionary(b => b.Id, StringComparer.Ordinal)
            : new Dictionary<string, BallotView>(StringComparer.Ordinal);
        var readVersions = ballots.ToDictionary(b => b.Key, b => b.Value.Version, StringComparer.Ordinal);
        var proposals = await ProposalLoader.LoadWithMergeTargetsAsync(
            session, commands.Select(c => c.ProposalId).Concat(ballots.Values.SelectMany(b => b.Proposals)), ct);

        var outcomes = new Outcome[commands.Count];
        var appends = new Dictionary<string, List<object>>(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            var streamId = BallotView.StreamIdOf(command.VoterId);
            var ballot = ballots.TryGetValue(streamId, out var found) ? found : ballots[streamId] = BallotView.Empty(command.VoterId);
            try
            {
                var decision = CastVote.Decide(ballot, command, proposals.GetValueOrDefault, view.VoteBudget, view.Phase, now);
                foreach (var e in decision.Events)
                {
                    switch (e)
                    {
                        case VoteCast cast:
                            BallotViewProjection.Apply(cast, ballot);
                            break;
                        case VoteRetracted retracted:
                            BallotViewProjection.Apply(retracted, ballot);
                            break;
                    }
                }

                var appended = appends.TryGetValue(streamId, out var list) ? list : appends[streamId] = [];
                appended.AddRange(decision.Events);
                var state = new LiveTally.BallotState(
                    command.VoterId, ballot.Kind, readVersions.GetValueOrDefault(streamId) + appended.Count, ballot.Proposals.ToList());
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
        }

        await session.SaveChangesAsync(ct);
        return outcomes;
    }
}
