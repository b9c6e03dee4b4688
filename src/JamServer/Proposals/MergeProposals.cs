using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Voting;
using Marten;
using MessagePack;
using Polly.Registry;

namespace JamServer.Proposals;

[MessagePackObject]
public sealed record MergeAck([property: Key("proposalId")] string ProposalId, [property: Key("mergedInto")] string MergedInto);

/// <summary>A moderator folds a duplicate proposal into another; its supporters count for the target, once each.</summary>
public sealed class MergeProposals(
    IDocumentStore store,
    JamState jam,
    LiveTally tally,
    ProposalCatalog catalog,
    ResiliencePipelineProvider<string> pipelines,
    TimeProvider clock,
    ILogger<MergeProposals> log)
{
    public const int MaxReasonLength = 500;

    public sealed record Command(string SourceId, string TargetId, string Reason, string ModeratorId);

    public static Command Validate(string? sourceId, string? targetId, string? reason, string moderatorId)
    {
        var source = ProposeIdea.Id(sourceId, "sourceId", 200);
        var target = ProposeIdea.Id(targetId, "targetId", 200);
        if (source == target)
        {
            throw JamException.InvalidInput("A proposal cannot be merged into itself.");
        }

        var why = Discussion.WritePost.Clean(reason ?? "").Trim();
        if (why.Length is 0 or > MaxReasonLength)
        {
            throw JamException.InvalidInput($"Say why the proposals are merged: a reason of 1 to {MaxReasonLength} characters.");
        }

        return new Command(source, target, why, moderatorId);
    }

    public static (ProposalMerged Merged, ProposalAbsorbed Absorbed) Decide(
        Command command, JamPhase phase, ProposalView? source, ProposalView? target, DateTimeOffset now)
    {
        if (phase is JamPhase.Closed)
        {
            throw new JamException(ErrorCodes.PhaseClosed, "The jam is closed; its proposals are final.");
        }

        var sourceOpen = Open(source, command.SourceId);
        var targetOpen = Open(target, command.TargetId);
        return (new ProposalMerged(sourceOpen.Id, targetOpen.Id, command.ModeratorId, command.Reason, now),
            new ProposalAbsorbed(targetOpen.Id, sourceOpen.Id, command.ModeratorId, now));
    }

    public async Task<MergeAck> HandleAsync(Command command, CancellationToken ct)
    {
        try
        {
            var merged = await pipelines.StoreThenAsync(token => StoreAsync(command, token), ApplyToRankingAsync, log, ct);
            return new MergeAck(merged.ProposalId, merged.TargetId);
        }
        catch (Exception ex) when (Resilience.IsUnavailable(ex))
        {
            // Perhaps committed (its answer lost, or still running on a hung server): the ranking is counted again from
            // the events, which holds either way.
            catalog.Invalidate();
            tally.RequestRebuild();
            throw;
        }
    }

    /// <summary>Once the merge is stored, also when that was after its caller was told UNAVAILABLE.</summary>
    private Task ApplyToRankingAsync(ProposalMerged merged)
    {
        catalog.Invalidate();
        tally.EnqueueMerge(merged.ProposalId, merged.TargetId);
        return Task.CompletedTask;
    }

    private async Task<ProposalMerged> StoreAsync(Command command, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var found = (await session.LoadManyAsync<ProposalView>(ct, command.SourceId, command.TargetId)).ToDictionary(p => p.Id);
            var source = found.GetValueOrDefault(command.SourceId);
            var target = found.GetValueOrDefault(command.TargetId);
            var (merged, absorbed) = Decide(command, jam.Current.Phase, source, target, clock.GetUtcNow());

            // At the versions read: a vote count moving meanwhile is fine, a second merge of either is not.
            session.Events.Append(source!.Id, source.Version + 1, merged);
            session.Events.Append(target!.Id, target.Version + 1, absorbed);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (Resilience.IsConflict(ex) && attempt < 3)
            {
                continue;
            }
            catch (Exception ex) when (PhaseGuard.IsRefusal(ex))
            {
                await jam.RefreshAsync(ct);
                throw new JamException(ErrorCodes.PhaseClosed, "The jam is closed; its proposals are final.");
            }

            return merged;
        }
    }

    private static ProposalView Open(ProposalView? proposal, string id) => proposal switch
    {
        null => throw JamException.NotFound($"There is no proposal '{id}'."),
        { MergedInto: { } into } => throw JamException.NotFound($"Proposal '{id}' was merged into '{into}' already."),
        _ => proposal,
    };
}
