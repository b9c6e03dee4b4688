using System.Globalization;
using System.Text;

namespace JamLoad;

/// <summary>JamServer against the bare hub, step by step, from two runs of the same scenario in one bench.</summary>
public static class Comparison
{
    public const double P99Ratio = 1.5;
    public const double DeliveryShare = 0.70;
    public const double BareHoldsMs = 250;

    /// <summary>Durable writes: the highest asked rate acknowledged in full with an ack p99 under a second.</summary>
    public static string WritesToMarkdown(LoadResult jam)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"### {jam.Name}: posts acknowledged after they are stored");
        md.AppendLine();
        md.AppendLine("| posts/s asked | acked/s | ack p50 ms | ack p99 ms | sustained |");
        md.AppendLine("|---:|---:|---:|---:|:---|");
        foreach (var s in jam.Steps)
        {
            var sustained = s.PostsAckedPerSecond >= 0.99 * s.Rate && s.Ack.P99Ms < 1000;
            md.AppendLine(c, $"| {s.Rate} | {s.PostsAckedPerSecond} | {s.Ack.P50Ms:0.#} | {s.Ack.P99Ms:0.#} | {(sustained ? "yes" : "**no**: acks queue up")} |");
        }

        md.AppendLine();
        return md.ToString();
    }

    public static string ToMarkdown(LoadResult bare, LoadResult jam)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"### {jam.Name} against {bare.Name}");
        md.AppendLine();
        md.AppendLine("| posts/s | bare p99 ms | JamServer p99 ms | p99 ratio | bare deliveries/s | JamServer deliveries/s | share | target met |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|:---|");
        foreach (var (b, j) in bare.Steps.Zip(jam.Steps))
        {
            var ratio = b.Delivery.P99Ms > 0 ? j.Delivery.P99Ms / b.Delivery.P99Ms : double.NaN;
            var share = b.DeliveriesPerSecond > 0 ? j.DeliveriesPerSecond / b.DeliveriesPerSecond : double.NaN;
            var held = b.Delivery.P99Ms < BareHoldsMs;
            var met = (!held || ratio <= P99Ratio) && share >= DeliveryShare && jam.Lost == 0;
            md.AppendLine(c, $"| {b.Rate} | {b.Delivery.P99Ms:0.#} | {j.Delivery.P99Ms:0.#} | {ratio:0.00}× | {b.DeliveriesPerSecond:N0} | {j.DeliveriesPerSecond:N0} | {share:P0} | {(met ? "yes" : "**no**")}{(held ? "" : " (bare over 250 ms)")} |");
        }

        md.AppendLine();
        return md.ToString();
    }
}
