using System.Globalization;
using System.Text;

namespace JamLoad;

public sealed record StormResult(
    string Name,
    DateTimeOffset StartedAt,
    int Clients,
    int Rooms,
    int Writers,
    double PostRate,
    double LimitSeconds,
    double? RestartSeconds,
    int InitiallyJoined,
    double InitialSeconds,
    int Back,
    LatencySummary BackIn,
    long Attempts,
    IReadOnlyDictionary<string, long> Refusals,
    IReadOnlyDictionary<string, long> Failures,
    long GapRepairs,
    long PostsAcked,
    long PostsAckedDuringStorm,
    long DeliveriesOwed,
    long Lost,
    int AbsentAtEnd,
    IReadOnlyDictionary<string, long> WriterErrors,
    LatencySummary WriterAckDuringStorm,
    int HealthChecks,
    int HealthNotReady,
    double HealthMaxMs,
    bool HealthyAfter)
{
    /// <summary>Admissions the server shed during the storm: connections refused with 503 or 429.</summary>
    public long Shed => Refusals.Where(r => r.Key is "503" or "429").Sum(r => r.Value);

    /// <summary>Every client back within the limit and in its room at the end, nothing acknowledged missing, the writers and health untouched.</summary>
    /// <remarks>When the server was restarted, the writers' calls while it was away fail: those are not counted against it.</remarks>
    public bool Clean => InitiallyJoined == Clients && Back == Clients && BackIn.MaxMs <= LimitSeconds * 1000 && AbsentAtEnd == 0
        && Lost == 0 && (WriterErrors.Count == 0 || RestartSeconds is not null) && HealthyAfter;

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"### {Name}: a reconnect storm");
        md.AppendLine();
        md.AppendLine(c, $"Measured {StartedAt:yyyy-MM-dd HH:mm} UTC. {InitiallyJoined:N0} of {Clients:N0} lean clients joined {Rooms} rooms (in {InitialSeconds:0.0} s); {Writers} writers on connections of their own posted {PostRate:0} posts/s throughout. Then {(RestartSeconds is { } restart ? $"the server was killed and started again (ready after {restart:0.0} s), dropping every client at once" : "every client's socket was aborted at once")}; each came back with exponential backoff and full jitter, waiting at least any Retry-After, and rejoined from the last seq it held.");
        md.AppendLine();
        md.AppendLine("| back (limit) | back in p50 / p95 / p99 / max | connect attempts | shed (503/429) | other refusals and failures |");
        md.AppendLine("|---:|---:|---:|---:|---|");
        var other = Refusals.Where(r => r.Key is not ("503" or "429")).Concat(Failures).Select(r => $"{r.Key} {r.Value:N0}").ToList();
        md.AppendLine(c, $"| {Back:N0} of {Clients:N0} ({LimitSeconds:0} s) | {BackIn.P50Ms / 1000:0.0} / {BackIn.P95Ms / 1000:0.0} / {BackIn.P99Ms / 1000:0.0} / **{BackIn.MaxMs / 1000:0.0} s** | {Attempts:N0} | {Shed:N0} | {(other.Count == 0 ? "none" : string.Join(", ", other))} |");
        md.AppendLine();
        md.AppendLine(c, $"Posts: {PostsAcked:N0} acknowledged, {PostsAckedDuringStorm:N0} of them during the storm (ack p50 / p99 / max {WriterAckDuringStorm.P50Ms:0} / {WriterAckDuringStorm.P99Ms:0} / {WriterAckDuringStorm.MaxMs:0} ms); writer errors: {(WriterErrors.Count == 0 ? "none" : string.Join(", ", WriterErrors.Select(e => $"{e.Key} {e.Value:N0}")))}. Deliveries owed to the clients in their rooms at the end: {DeliveriesOwed:N0}, **lost {Lost:N0}**; clients not in their room at the end: {AbsentAtEnd}. Holes in a client's seqs (a live push it missed) asked for again with JoinRoom: {GapRepairs:N0}.");
        md.AppendLine();
        md.AppendLine(c, $"Health: `/health/ready` polled {HealthChecks} times from the drop to the end, {HealthNotReady} not Healthy, slowest {HealthMaxMs:0} ms; Healthy after: {(HealthyAfter ? "yes" : "no")}.");
        return md.ToString();
    }
}
