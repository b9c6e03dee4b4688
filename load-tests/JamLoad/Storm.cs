using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using JamLoad.Wire;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamLoad;

/// <summary>
/// The reconnect storm: clients held in rooms are all dropped at once (their sockets aborted, as by a network
/// failure) while writers on connections of their own go on posting. The clients come back with jittered backoff,
/// honouring Retry-After, and rejoin from the last seq they hold. Measures how long until every one is back, what
/// the server refused, whether the writers' established connections noticed, and whether any acknowledged post is
/// missing from any client. Bounded by <see cref="LoadOptions.StormLimit"/> and the run's hard limit.
/// </summary>
public static class Storm
{
    /// <param name="restartServer">
    /// When given, the storm is a server restart instead: it is called (it kills the server and starts it again, ready)
    /// and the clients lose their connections with it; the writers reconnect by themselves, and their calls while the
    /// server is away fail.
    /// </param>
    public static async Task<StormResult> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellation, Func<Task>? restartServer = null)
    {
        using var hardLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        hardLimit.CancelAfter(options.HardLimit);
        var ct = hardLimit.Token;
        var started = DateTimeOffset.UtcNow;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = options.Server, Timeout = TimeSpan.FromSeconds(30) };
        var rooms = (await http.GetFromJsonAsync<List<RoomListing>>("api/rooms", ct))!.Take(options.Rooms).ToList();
        var zipf = new Zipf(rooms.Count, options.ZipfExponent);
        var plan = zipf.Split(options.Receivers).SelectMany((size, room) => Enumerable.Repeat(rooms[room], size)).ToList();

        await log.WriteLineAsync($"[{options.Name}] signing in {options.Receivers} clients and {options.Writers} writers");
        var tokens = new string[plan.Count];
        await Parallel.ForAsync(0, plan.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (i, token) => tokens[i] = await SignInAsync(http, "Storm client", token));
        var invokers = options.SourceAddresses.Select(Scenario.BoundInvoker).ToArray();
        var counters = new StormCounters();
        var backoff = new StormBackoff(options.BackoffFirst, options.BackoffCap);
        var hub = new Uri(options.Server, "hubs/jam");
        var clients = plan.Select((room, i) => new StormClient(hub, tokens[i], room.Id, room.Posts, invokers[i % invokers.Length], backoff, counters)).ToList();
        var writers = await ConnectWritersAsync(options, http, ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var staying = clients.Select((client, i) => Task.Run(
            async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(i / (double)options.ConnectsPerSecond), stop.Token);
                await client.StayConnectedAsync(stop.Token);
            },
            CancellationToken.None)).ToList();
        var initialLimit = TimeSpan.FromSeconds(60 + (options.Receivers / (double)options.ConnectsPerSecond));
        await WaitAsync(() => clients.All(c => c.Joined), initialLimit, ct);
        var initiallyJoined = clients.Count(c => c.Joined);
        var initialSeconds = clock.Elapsed.TotalSeconds;
        await log.WriteLineAsync($"[{options.Name}] {initiallyJoined} clients joined in {initialSeconds:0.0} s");
        var pinging = KeepUpAsync(clients, stop.Token);

        using var posting = new Posting(writers, rooms.Select(r => r.Id).ToList(), zipf, options.PostRates[0]);
        var posts = posting.RunAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var before = (counters.Attempts, Refusals: new Dictionary<string, long>(counters.Refusals), Failures: new Dictionary<string, long>(counters.Failures));
        var health = new HealthWatch(http);
        var watching = health.RunAsync(stop.Token);

        await log.WriteLineAsync($"[{options.Name}] dropping all {clients.Count} clients at once{(restartServer is null ? "" : " by restarting the server")}");
        var droppedAt = Stopwatch.GetTimestamp();
        posting.StormStarted();
        foreach (var client in clients)
        {
            client.Drop(abort: restartServer is null);
        }

        var outage = TimeSpan.Zero;
        if (restartServer is not null)
        {
            await restartServer();
            outage = Stopwatch.GetElapsedTime(droppedAt);
            await log.WriteLineAsync($"[{options.Name}] the server was back after {outage.TotalSeconds:0.0} s");
        }

        await WaitAsync(() => clients.All(c => c.BackAt != 0), options.StormLimit, ct);
        // Exact, not the latency histogram: a storm's times run past its 60 s.
        var backTimes = clients.Where(c => c.BackAt != 0).Select(c => Stopwatch.GetElapsedTime(droppedAt, c.BackAt).TotalMilliseconds).Order().ToList();
        double BackPercentile(double p) => backTimes.Count == 0 ? 0 : backTimes[Math.Max(0, (int)Math.Ceiling(backTimes.Count * p / 100) - 1)];
        var backIn = new LatencySummary(backTimes.Count, BackPercentile(50), BackPercentile(95), BackPercentile(99), backTimes.LastOrDefault());

        posting.StormEnded();
        var back = backTimes.Count;
        await log.WriteLineAsync($"[{options.Name}] {back} of {clients.Count} back; the last after {backIn.MaxMs / 1000:0.0} s");
        var attempts = counters.Attempts - before.Attempts;
        var refusals = Difference(counters.Refusals, before.Refusals);
        var failures = Difference(counters.Failures, before.Failures);

        // Posts go on a little after the storm, then every client still in its room must hold every acknowledged one.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        await posting.StopAsync();
        await posts;
        await WaitAsync(() => clients.All(c => c.Joined), TimeSpan.FromSeconds(30), ct);
        await Task.Delay(options.Drain, ct);
        var (owed, lost, absent) = CountLoss(clients, posting.Acked);
        var healthAfter = await health.CheckOnceAsync(ct);

        await stop.CancelAsync();
        await Task.WhenAll(staying.Append(pinging).Append(watching)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var client in clients)
        {
            client.Drop(abort: true);
        }

        foreach (var writer in writers)
        {
            await writer.DisposeAsync();
        }

        foreach (var invoker in invokers)
        {
            invoker.Dispose();
        }

        return new StormResult(
            options.Name, started, options.Receivers, rooms.Count, options.Writers, options.PostRates[0], options.StormLimit.TotalSeconds,
            restartServer is null ? null : outage.TotalSeconds,
            initiallyJoined, initialSeconds, back, backIn, attempts, refusals, failures, counters.GapRepairs,
            posting.Acked.Values.Sum(s => s.Count), posting.AckedDuringStorm, owed, lost, absent,
            new SortedDictionary<string, long>(posting.Errors), posting.AckDuringStorm.Summary(),
            health.Checks, health.NotReady, health.MaxMs, healthAfter);
    }

    private static async Task WaitAsync(Func<bool> done, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < limit)
        {
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Every 2 s each client asks for a hole in its seqs that is still there; every 10 s it pings.</summary>
    private static async Task KeepUpAsync(List<StormClient> clients, CancellationToken ct)
    {
        for (var tick = 1; !ct.IsCancellationRequested; tick++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (client, token) =>
                {
                    await client.RepairGapAsync(token);
                    if (tick % 5 == 0)
                    {
                        await client.PingAsync(token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }
                });
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Every acknowledged post of a room is owed to every client of the room; clients not in it at the end are counted apart.</summary>
    private static (long Owed, long Lost, int Absent) CountLoss(List<StormClient> clients, ConcurrentDictionary<string, ConcurrentBag<long>> acked)
    {
        long owed = 0, lost = 0;
        var absent = 0;
        foreach (var client in clients)
        {
            if (!client.Joined)
            {
                absent++;
                continue;
            }

            foreach (var seq in acked.GetValueOrDefault(client.RoomId) ?? [])
            {
                owed++;
                lost += client.Holds(seq) ? 0 : 1;
            }
        }

        return (owed, lost, absent);
    }

    private static SortedDictionary<string, long> Difference(ConcurrentDictionary<string, long> now, Dictionary<string, long> before) =>
        new(now.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key))).Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key, kv => kv.Value));

    private static async Task<List<HubConnection>> ConnectWritersAsync(LoadOptions options, HttpClient http, CancellationToken ct)
    {
        var writers = new List<HubConnection>();
        for (var i = 0; i < options.Writers; i++)
        {
            var token = await SignInAsync(http, "Storm writer", ct);
            var connection = new HubConnectionBuilder().WithUrl(new Uri(options.Server, "hubs/jam"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.SkipNegotiation = true;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            }).WithAutomaticReconnect(new EverySecond()).Build();
            await connection.StartAsync(ct);
            await connection.InvokeAsync<object>("AcceptGuidelines", ct);
            writers.Add(connection);
        }

        return writers;
    }

    private static async Task<string> SignInAsync(HttpClient http, string name, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("api/auth/demo", new { displayName = name, role = "participant", kind = "employee" }, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SignedIn>(ct))!.Token;
    }

    /// <summary>The writers are few: they try again every second, for as long as the run lasts.</summary>
    private sealed class EverySecond : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromSeconds(1);
    }

    private sealed record RoomListing(string Id, long Posts);

    private sealed record SignedIn(string Token);

    /// <summary>Writers posting at a steady rate on their own connections, which the storm should leave alone.</summary>
    private sealed class Posting(List<HubConnection> writers, IReadOnlyList<string> rooms, Zipf zipf, double rate) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<Task> _pending = [];
        private volatile bool _inStorm;
        private long _ackedDuringStorm;

        public ConcurrentDictionary<string, ConcurrentBag<long>> Acked { get; } = new();

        public ConcurrentDictionary<string, long> Errors { get; } = new();

        public LatencyHistogram AckDuringStorm { get; } = new();

        public long AckedDuringStorm => Interlocked.Read(ref _ackedDuringStorm);

        public void StormStarted() => _inStorm = true;

        public void StormEnded() => _inStorm = false;

        public async Task RunAsync(CancellationToken ct)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            var random = new Random(7);
            var clock = Stopwatch.StartNew();
            long sent = 0;
            try
            {
                while (!both.IsCancellationRequested)
                {
                    for (var due = (long)(clock.Elapsed.TotalSeconds * rate); sent < due; sent++)
                    {
                        _pending.Add(PostAsync(writers[(int)(sent % writers.Count)], rooms[zipf.Next(random)], PostBody.Make(0, random), ct));
                    }

                    await Task.Delay(10, both.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(_pending).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public Task StopAsync() => _stop.CancelAsync();

        public void Dispose() => _stop.Dispose();

        private async Task PostAsync(HubConnection writer, string roomId, string body, CancellationToken ct)
        {
            var sentAt = Stopwatch.GetTimestamp();
            var inStorm = _inStorm;
            try
            {
                var ack = await writer.InvokeAsync<PostAck>("Post", new PostRequest(roomId, null, body, Guid.NewGuid().ToString("N")), ct);
                Acked.GetOrAdd(roomId, _ => []).Add(ack.Seq);
                if (inStorm)
                {
                    Interlocked.Increment(ref _ackedDuringStorm);
                    AckDuringStorm.Record(Stopwatch.GetElapsedTime(sentAt));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var colon = ex.Message.IndexOf(':', StringComparison.Ordinal);
                var code = colon > 0 && ex.Message[..colon].All(c => char.IsAsciiLetterUpper(c) || c == '_') ? ex.Message[..colon] : ex.GetType().Name;
                Errors.AddOrUpdate(code, 1, (_, n) => n + 1);
            }
        }
    }

    /// <summary>Polls /health/ready through the storm: how often it was not 200 Healthy, and its slowest answer.</summary>
    private sealed class HealthWatch(HttpClient http)
    {
        private double _maxMs;

        public int Checks { get; private set; }

        public int NotReady { get; private set; }

        public double MaxMs => _maxMs;

        public async Task RunAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var healthy = await CheckOnceAsync(ct);
                _maxMs = Math.Max(_maxMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Checks++;
                NotReady += healthy ? 0 : 1;
                await Task.Delay(500, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        public async Task<bool> CheckOnceAsync(CancellationToken ct)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await http.GetAsync(new Uri("health/ready", UriKind.Relative), timeout.Token);
                return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync(timeout.Token) == "Healthy";
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                return false;
            }
        }
    }
}
