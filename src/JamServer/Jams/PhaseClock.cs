namespace JamServer.Jams;

/// <summary>Moves the jam on when its phase falls due; after a restart it catches up at once.</summary>
public sealed partial class PhaseClock(ChangePhase phases, TimeProvider clock, ILogger<PhaseClock> log)
    : BackgroundService
{
    /// <summary>Also the longest another node's change takes to show in this node's state.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var view = await phases.ByScheduleAsync(stoppingToken);
                var untilDue = view.PhaseEndsAt is { } due ? due - clock.GetUtcNow() : PollInterval;
                var wait = untilDue < PollInterval ? untilDue : PollInterval;
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogClockFailed(log, ex);
                await Task.Delay(PollInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(LogLevel.Error, "The phase clock could not move the jam on; retrying")]
    private static partial void LogClockFailed(ILogger logger, Exception ex);
}
