using JamServer.Live;

namespace JamServer.Rooms;

/// <summary>
/// Pushes each changed room's online count at most once a second: in a room of 10,000, a join per member
/// pushed to every member would be 10,000² messages. Each tick first renews this node's heartbeat and takes back the
/// shares of dead nodes (every third of Jam:NodeTimeout, <see cref="RoomPresence.KeepAliveAsync"/>), and puts this
/// node's share of presence back in Redis if it may be missing there (see <see cref="RoomPresence.ReconcileIfNeededAsync"/>).
/// </summary>
public sealed partial class PresenceBroadcaster(
    RoomPresence presence, RoomFanout fanout, TimeProvider clock, ILogger<PresenceBroadcaster> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Before the server takes connections, so no new join races the clean-up of the old ones.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await presence.ClearStaleAsync();
        await KeepAliveAsync();
        await base.StartAsync(cancellationToken);
    }

    /// <summary>After the last connection closed (the web server stops first): this node's share goes, and its last counts out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await presence.LeaveAsync();
        await PushChangedAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await KeepAliveAsync();
            try
            {
                await presence.ReconcileIfNeededAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReconcileFailed(log, ex);
            }

            await PushChangedAsync();
        }
    }

    private async Task KeepAliveAsync()
    {
        try
        {
            await presence.KeepAliveAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogBeatFailed(log, ex);
        }
    }

    private async Task PushChangedAsync()
    {
        var rooms = presence.TakeDirty();
        if (rooms.Count == 0)
        {
            return;
        }

        try
        {
            var counts = await presence.CountAsync(rooms);
            fanout.PushPresence(counts.Select(c => new PresenceDto(c.Key, c.Value)).ToList());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPushFailed(log, ex);
            foreach (var room in rooms)
            {
                presence.MarkDirty(room);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "This node's heartbeat or the check of the other nodes' failed; trying at the next tick")]
    private static partial void LogBeatFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "This node's presence could not be written to Redis again; trying at the next tick")]
    private static partial void LogReconcileFailed(ILogger logger, Exception ex);

    [LoggerMessage(LogLevel.Warning, "Presence counts could not be pushed")]
    private static partial void LogPushFailed(ILogger logger, Exception ex);
}
