using JamServer.Infrastructure;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace JamServer.Live;

/// <summary>
/// A node's way out (docs/deploy.md, "Graceful shutdown"): once draining, it is not ready, refuses new hub connections,
/// and closes its open ones one by one at random moments spread over <see cref="JamOptions.DrainTime"/>, each with a
/// close that lets the client reconnect, so that they move to the other nodes a few at a time rather than all at once.
/// The host stops only after that (see <see cref="DrainingLifetime"/>), and its writers then commit and acknowledge
/// what they still hold.
/// </summary>
public sealed partial class NodeDrain(LocalConnections connections, IOptions<JamOptions> options, TimeProvider clock, ILogger<NodeDrain> log)
{
    /// <summary>How long a refused client is asked to wait: about when the load balancer has taken this node out.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>How long to wait past the window for the last closes to end (their OnDisconnected writes presence).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private int _started;

    public bool IsDraining => Volatile.Read(ref _started) == 1;

    /// <summary>Drains once; false when a drain had already begun.</summary>
    public bool TryBegin() => Interlocked.Exchange(ref _started, 1) == 0;

    /// <summary>Closes every open hub connection within the drain window, in random order, evenly spread.</summary>
    public async Task CloseConnectionsAsync(CancellationToken ct)
    {
        var window = options.Value.DrainTime;
        var open = connections.All.ToArray();
        Random.Shared.Shuffle(open);
        LogDraining(log, open.Length, window.TotalSeconds);

        var start = clock.GetTimestamp();
        for (var i = 0; i < open.Length; i++)
        {
            // Connection i closes at i/n of the window; a moment already past closes at once.
            var due = window * ((double)i / open.Length) - clock.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, clock, ct);
            }

            // "Close requested" is what SignalR itself sends at shutdown: a close message that allows reconnecting, so
            // clients with automatic reconnect come back at once (through the load balancer, to another node).
            open[i].Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        // Any that opened just as the drain began.
        foreach (var late in connections.All)
        {
            late.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        var settled = clock.GetTimestamp();
        while (connections.All.Count > 0 && clock.GetElapsedTime(settled) < Settle)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), clock, ct);
        }

        LogDrained(log, clock.GetElapsedTime(start).TotalSeconds, connections.All.Count);
    }

    [LoggerMessage(LogLevel.Information, "Draining: this node takes no new connections and closes its {Count} open ones over {Seconds} s")]
    private static partial void LogDraining(ILogger logger, int count, double seconds);

    [LoggerMessage(LogLevel.Information, "Drained in {Seconds:F1} s ({Left} connections still open); stopping")]
    private static partial void LogDrained(ILogger logger, double seconds, int left);
}
