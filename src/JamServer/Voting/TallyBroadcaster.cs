using JamServer.Jams;
using JamServer.Live;
using JamServer.Proposals;
using Marten;
using MessagePack;

namespace JamServer.Voting;

[MessagePackObject]
public sealed record TallyEntryDto(
    [property: Key("proposalId")] string ProposalId,
    [property: Key("title")] string Title,
    [property: Key("roomId")] string RoomId,
    [property: Key("votes")] long Votes);

[MessagePackObject]
public sealed record TallyDto([property: Key("top")] IReadOnlyList<TallyEntryDto> Top);

/// <summary>
/// Pushes the live top of the ranking to this node's clients at most once a second, and only when it moved, however
/// fast votes arrive. Every node pushes to its own clients, so nothing crosses the backplane.
/// </summary>
public sealed partial class TallyBroadcaster(
    LiveTally live, JamState jam, RoomFanout fanout, IDocumentStore store, TimeProvider clock, ILogger<TallyBroadcaster> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>The last top pushed during Voting, for a client that connects between pushes.</summary>
    public TallyDto? Last { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        long pushed = -1;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (jam.Current.Phase is not JamPhase.Voting)
            {
                Last = null;
                continue;
            }

            try
            {
                var version = await live.VersionAsync();
                if (version == pushed)
                {
                    continue;
                }

                var top = await live.TopAsync(jam.Current.ShortlistSize);
                await using var session = store.QuerySession();
                var proposals = (await session.LoadManyAsync<ProposalView>(stoppingToken, top.Select(s => s.ProposalId).ToArray()))
                    .ToDictionary(p => p.Id, StringComparer.Ordinal);
                var entries = top.Where(s => proposals.ContainsKey(s.ProposalId))
                    .Select(s => new TallyEntryDto(s.ProposalId, proposals[s.ProposalId].Title, proposals[s.ProposalId].RoomId, s.Votes))
                    .ToList();
                Last = new TallyDto(entries);
                fanout.PushToEveryone(nameof(IJamClient.TallyUpdated), Last);
                pushed = version;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPushFailed(log, ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "The live tally could not be pushed")]
    private static partial void LogPushFailed(ILogger logger, Exception ex);
}
