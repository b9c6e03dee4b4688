using System.Globalization;
using System.Text;

namespace JamLoad;

public sealed record StepResult(double Rate, long PostsSent, double Seconds, LatencySummary Ack, LatencySummary Delivery)
{
    public double PostsAckedPerSecond => Math.Round(Ack.Count / Seconds, 1);
    public double DeliveriesPerSecond => Math.Round(Delivery.Count / Seconds, 0);

}

public sealed record LoadResult(
    string Name,
    string Target,
    string Protocol,
    DateTimeOffset StartedAt,
    int ReceiversWanted,
    int ReceiversJoined,
    int ConnectErrors,
    int ReceiversLeftEarly,
    int[] RoomSizes,
    double? ServerRssBeforeMb,
    double? ServerRssHeldMb,
    double? ServerKbPerConnection,
    IReadOnlyList<StepResult> Steps,
    long DeliveriesOwed,
    long Lost,
    long Duplicates,
    long ClosedByServer,
    IReadOnlyDictionary<string, long> Errors,
    CatchUpResult? CatchUp = null)
{
    public bool Clean => Lost == 0 && ConnectErrors == 0 && ReceiversLeftEarly == 0 && Errors.Count == 0 && ClosedByServer == 0;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"### {Name} ({Target}, {Protocol})");
        md.AppendLine();
        md.AppendLine(c, $"Measured {StartedAt:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine();
        md.AppendLine(c, $"Receivers {ReceiversJoined:N0} of {ReceiversWanted:N0} joined ({ConnectErrors} connect errors, {ReceiversLeftEarly} dropped) in rooms of {string.Join("/", RoomSizes)}.");
        if (ServerKbPerConnection is { } kb)
        {
            md.AppendLine(c, $"Server RSS {ServerRssBeforeMb} MB before, {ServerRssHeldMb} MB holding them: **{kb} KB per connection**.");
        }

        md.AppendLine();
        md.AppendLine("| posts/s asked | posts acked/s | ack p50 / p99 ms | deliveries/s | delivery p50 / p95 / p99 / max ms |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var s in Steps)
        {
            md.AppendLine(c, $"| {s.Rate} | {s.PostsAckedPerSecond} | {s.Ack.P50Ms:0.#} / {s.Ack.P99Ms:0.#} | {s.DeliveriesPerSecond:N0} | {s.Delivery.P50Ms:0.#} / {s.Delivery.P95Ms:0.#} / {s.Delivery.P99Ms:0.#} / {s.Delivery.MaxMs:0.#} |");
        }

        md.AppendLine();
        if (CatchUp is { } catchUp)
        {
            md.AppendLine(c, $"Catch-up of {catchUp.Posts:N0} missed posts by JoinRoom, {catchUp.Calls} calls: p50 {catchUp.P50Ms:0.#} ms, p99 {catchUp.P99Ms:0.#} ms, max {catchUp.MaxMs:0.#} ms.");
            md.AppendLine();
        }

        md.AppendLine(c, $"Deliveries owed {DeliveriesOwed:N0}, **lost {Lost:N0}**, duplicates {Duplicates:N0}, closed by server {ClosedByServer}, errors: {(Errors.Count == 0 ? "none" : string.Join(", ", Errors.Select(e => $"{e.Key} {e.Value}")))}.");
        return md.ToString();
    }
}

public sealed record CatchUpResult(int Posts, int Calls, double P50Ms, double P99Ms, double MaxMs);
