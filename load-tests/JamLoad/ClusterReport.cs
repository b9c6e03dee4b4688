using System.Globalization;
using System.Text;

namespace JamLoad;

/// <summary>A scale-out run: one load process per server node on the Redis backplane, per process and in total.</summary>
public static class ClusterReport
{
    /// <summary>Runs named "clusterN-…-pI" belong to the scale-out run of N nodes.</summary>
    public static IEnumerable<IGrouping<string, LoadResult>> Runs(IEnumerable<LoadResult> results) =>
        results.Where(r => r.Name.StartsWith("cluster", StringComparison.Ordinal))
            .GroupBy(r => r.Name.Split('-')[0]);

    public static string ToMarkdown(IGrouping<string, LoadResult> run)
    {
        var c = CultureInfo.InvariantCulture;
        var peers = run.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        var md = new StringBuilder();
        md.AppendLine(c, $"### {run.Key}: {peers.Count} server processes sharing PostgreSQL and Redis, one load process each");
        md.AppendLine();
        md.AppendLine(c, $"Measured {peers[0].StartedAt:yyyy-MM-dd HH:mm} UTC. Every room has members on every node; each load process posts its share of the cluster's rate to its own node and counts, for its receivers, every post acknowledged by any node.");
        md.AppendLine();
        md.AppendLine("| process | receivers held | connect errors | server RSS held | KB per connection | deliveries/s | delivery p50 / p99 / max ms | owed | lost |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in peers)
        {
            var s = p.Steps.Count > 0 ? p.Steps[^1] : null;
            md.AppendLine(c, $"| {p.Name} | {p.ReceiversJoined - p.ReceiversLeftEarly:N0} | {p.ConnectErrors} | {p.ServerRssHeldMb:N0} MB | {p.ServerKbPerConnection} | {s?.DeliveriesPerSecond:N0} | {s?.Delivery.P50Ms:0.#} / {s?.Delivery.P99Ms:0.#} / {s?.Delivery.MaxMs:0.#} | {p.DeliveriesOwed:N0} | {p.Lost:N0} |");
        }

        var held = peers.Sum(p => p.ReceiversJoined - p.ReceiversLeftEarly);
        var rss = peers.Sum(p => p.ServerRssHeldMb ?? 0);
        var grown = peers.Sum(p => (p.ServerRssHeldMb ?? 0) - (p.ServerRssBeforeMb ?? 0));
        var worst = peers.Where(p => p.Steps.Count > 0).Select(p => p.Steps[^1]).ToList();
        md.AppendLine(c, $"| **total** | **{held:N0}** | {peers.Sum(p => p.ConnectErrors)} | {rss:N0} MB | **{(held == 0 ? 0 : Math.Round(grown * 1024 / held, 1))}** | {worst.Sum(s => s.DeliveriesPerSecond):N0} | worst p99 {(worst.Count == 0 ? 0 : worst.Max(s => s.Delivery.P99Ms)):0.#} | {peers.Sum(p => p.DeliveriesOwed):N0} | **{peers.Sum(p => p.Lost):N0}** |");
        md.AppendLine();
        var errors = peers.SelectMany(p => p.Errors).GroupBy(e => e.Key).Select(g => $"{g.Key} {g.Sum(e => e.Value)}").ToList();
        md.AppendLine(c, $"Posts acknowledged per second by the cluster: {worst.Sum(s => s.PostsAckedPerSecond):N1}. Closed by server: {peers.Sum(p => p.ClosedByServer)}; errors: {(errors.Count == 0 ? "none" : string.Join(", ", errors))}.");
        return md.ToString();
    }
}
