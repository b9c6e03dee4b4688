using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamLoad;

public sealed record VoteRushResult(
    string Name,
    DateTimeOffset StartedAt,
    int Voters,
    int VotersConnected,
    int Budget,
    int Proposals,
    long VotesSent,
    long Accepted,
    double Seconds,
    double AcceptedPerSecond,
    long PeakPerSecond,
    LatencySummary Latency,
    IReadOnlyDictionary<string, long> Refusals,
    long StoredVotes,
    int BallotsDiffering,
    int BallotsOverBudget)
{
    /// <summary>Nothing but the expected refusals (the votes sent over the budget), and every accepted vote stored.</summary>
    public bool Clean => VotersConnected == Voters && BallotsDiffering == 0 && BallotsOverBudget == 0 && StoredVotes == Accepted
        && Refusals.All(r => r.Key == "BUDGET_EXCEEDED");

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"### {Name}: a vote rush");
        md.AppendLine();
        md.AppendLine(c, $"Measured {StartedAt:yyyy-MM-dd HH:mm} UTC.");
        md.AppendLine();
        md.AppendLine(c, $"{VotersConnected:N0} of {Voters:N0} voters connected (lean JSON clients), budget {Budget}, {Proposals} proposals chosen by Zipf popularity. At once every voter sent {VotesSent / Math.Max(1, Voters)} votes for distinct proposals ({VotesSent - (long)Voters * Budget:N0} over the budget in all), pipelined on its connection.");
        md.AppendLine();
        md.AppendLine("| votes sent | accepted | rush time | accepted/s (whole rush) | peak accepted in one second | ack p50 / p95 / p99 / max ms |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(c, $"| {VotesSent:N0} | {Accepted:N0} | {Seconds:0.0} s | **{AcceptedPerSecond:N0}** | {PeakPerSecond:N0} | {Latency.P50Ms:0} / {Latency.P95Ms:0} / {Latency.P99Ms:0} / {Latency.MaxMs:0} |");
        md.AppendLine();
        md.AppendLine(c, $"Refusals: {(Refusals.Count == 0 ? "none" : string.Join(", ", Refusals.Select(r => $"{r.Key} {r.Value:N0}")))}. Afterwards every voter's stored ballot (`GET /api/me/votes`) was read back: {StoredVotes:N0} votes stored, {BallotsDiffering} ballots differing from what the server acknowledged, {BallotsOverBudget} over the budget.");
        return md.ToString();
    }
}

/// <summary>
/// The vote rush: proposals are made during Discussion, the jam moves to Voting, voters connect, and then every voter
/// sends all its votes at once, a few more than its budget. Bounded by its voters and a hard time limit.
/// </summary>
public static class VoteRush
{
    public static async Task<VoteRushResult> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellation)
    {
        using var hardLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        hardLimit.CancelAfter(options.HardLimit);
        var ct = hardLimit.Token;
        var started = DateTimeOffset.UtcNow;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = options.Server, Timeout = TimeSpan.FromSeconds(60) };
        var organizer = await SignInAsync(http, "organizer", ct);
        var jam = (await http.GetFromJsonAsync<JamInfo>("api/jam", ct))!;
        await log.WriteLineAsync($"[{options.Name}] making {options.Proposals} proposals");
        var proposals = await MakeProposalsAsync(options, http, ct);

        using (var phase = new HttpRequestMessage(HttpMethod.Post, "api/jam/phase") { Content = JsonContent.Create(new { phase = "Voting" }) })
        {
            phase.Headers.Authorization = new("Bearer", organizer.Token);
            (await http.SendAsync(phase, ct)).EnsureSuccessStatusCode();
        }

        await log.WriteLineAsync($"[{options.Name}] connecting {options.Receivers} voters");
        var metrics = new VoteMetrics();
        var invokers = options.SourceAddresses.Select(Scenario.BoundInvoker).ToArray();
        var voters = await ConnectVotersAsync(options, http, invokers, metrics, ct);

        var zipf = new Zipf(proposals.Count, options.ZipfExponent);
        var random = new Random(7);
        var ballots = voters.Select(_ => Choose(zipf, random, Math.Min(proposals.Count, jam.VoteBudget + options.ExtraVotes)).Select(i => proposals[i]).ToList()).ToList();
        await log.WriteLineAsync($"[{options.Name}] rush: {ballots.Sum(b => b.Count):N0} votes at once");
        metrics.Restart();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(voters.Select((v, i) => v.VoteAsync(ballots[i], ct)));
        var seconds = clock.Elapsed.TotalSeconds;

        await log.WriteLineAsync($"[{options.Name}] reading back {voters.Count:N0} stored ballots");
        long stored = 0;
        int differing = 0, overBudget = 0;
        await Parallel.ForEachAsync(voters, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct }, async (voter, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/me/votes");
            request.Headers.Authorization = new("Bearer", voter.Token);
            using var response = await http.SendAsync(request, token);
            var mine = (await response.Content.ReadFromJsonAsync<MyVotes>(token))!;
            Interlocked.Add(ref stored, mine.Proposals.Count);
            if (!mine.Proposals.Order(StringComparer.Ordinal).SequenceEqual(voter.Accepted.Order(StringComparer.Ordinal)))
            {
                Interlocked.Increment(ref differing);
            }

            if (mine.Proposals.Count > jam.VoteBudget)
            {
                Interlocked.Increment(ref overBudget);
            }
        });

        await Parallel.ForEachAsync(voters, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (v, _) => await v.DisposeAsync());
        foreach (var invoker in invokers)
        {
            invoker.Dispose();
        }

        var accepted = metrics.AcceptedCount;
        return new VoteRushResult(
            options.Name, started, options.Receivers, voters.Count, jam.VoteBudget, proposals.Count, ballots.Sum(b => (long)b.Count),
            accepted, Math.Round(seconds, 2), Math.Round(accepted / seconds, 0), metrics.PeakPerSecond, metrics.Latency,
            new SortedDictionary<string, long>(metrics.Errors), stored, differing, overBudget);
    }

    private static async Task<List<string>> MakeProposalsAsync(LoadOptions options, HttpClient http, CancellationToken ct)
    {
        var author = await SignInAsync(http, "participant", ct);
        var rooms = (await http.GetFromJsonAsync<List<RoomListing>>("api/rooms", ct))!;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(options.Server, "hubs/jam"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(author.Token))
            .Build();
        await connection.StartAsync(ct);
        await connection.InvokeAsync<object>("AcceptGuidelines", ct);
        var proposals = new List<string>();
        for (var i = 0; i < options.Proposals; i++)
        {
            var room = rooms[i % rooms.Count].Id;
            var thread = await connection.InvokeAsync<Wire.PostAck>("Post", new Wire.PostRequest(room, null, $"Idea {i}: let us try it", Guid.NewGuid().ToString("N")), ct);
            var made = await connection.InvokeAsync<ProposeAck>("ProposeIdea", new ProposeRequest(room, thread.PostId, $"Idea {i}", "What it would change.", Guid.NewGuid().ToString("N")), ct);
            proposals.Add(made.ProposalId);
        }

        return proposals;
    }

    private static async Task<List<LeanVoter>> ConnectVotersAsync(
        LoadOptions options, HttpClient http, HttpMessageInvoker[] invokers, VoteMetrics metrics, CancellationToken ct)
    {
        var voters = new ConcurrentBag<LeanVoter>();
        var hub = new Uri(options.Server, "hubs/jam");
        var clock = Stopwatch.StartNew();
        using var inFlight = new SemaphoreSlim(256);
        var tasks = new List<Task>(options.Receivers);
        for (var i = 0; i < options.Receivers; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)options.ConnectsPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, ct);
            }

            await inFlight.WaitAsync(ct);
            var invoker = invokers[i % invokers.Length];
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var who = await SignInAsync(http, "participant", ct);
                    voters.Add(await LeanVoter.ConnectAsync(hub, who.ParticipantId, who.Token, invoker, metrics, ct));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    metrics.Error("CONNECT", 1);
                }
                finally
                {
                    inFlight.Release();
                }
            }, ct));
        }

        await Task.WhenAll(tasks);
        return voters.ToList();
    }

    private static List<int> Choose(Zipf zipf, Random random, int count)
    {
        var chosen = new List<int>(count);
        while (chosen.Count < count)
        {
            var pick = zipf.Next(random);
            if (!chosen.Contains(pick))
            {
                chosen.Add(pick);
            }
        }

        return chosen;
    }

    private static readonly string[] Kinds = ["employee", "customer", "partner", "guest"];
    private static int _signedIn;

    private static async Task<SignIn> SignInAsync(HttpClient http, string role, CancellationToken ct)
    {
        var kind = Kinds[Interlocked.Increment(ref _signedIn) % Kinds.Length];
        using var response = await http.PostAsJsonAsync("api/auth/demo", new { displayName = "Voter", role, kind }, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SignIn>(ct))!;
    }

    private sealed record SignIn(string Token, string ParticipantId);

    private sealed record JamInfo(string Phase, int VoteBudget);

    private sealed record RoomListing(string Id);

    private sealed record MyVotes(int Budget, int Remaining, List<string> Proposals);

    private sealed record ProposeRequest(string RoomId, string ThreadId, string Title, string Summary, string ClientId);

    private sealed record ProposeAck(string ProposalId);
}
