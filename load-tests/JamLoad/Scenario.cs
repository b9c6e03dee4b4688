using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using JamLoad.Wire;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JamLoad;

/// <summary>
/// One bounded run: receivers join rooms by Zipf popularity, writers post at each rate of the steps in turn, then
/// the run drains, counts what every receiver should have had against what it got, and stops by itself.
/// </summary>
public static class Scenario
{
    public static async Task<LoadResult> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellation)
    {
        using var hardLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        hardLimit.CancelAfter(options.HardLimit);
        var ct = hardLimit.Token;
        var started = DateTimeOffset.UtcNow;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
        {
            BaseAddress = options.Server,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var rooms = await RoomIdsAsync(http, options.Rooms, ct);
        var zipf = new Zipf(rooms.Count, options.ZipfExponent);
        var roomSizes = zipf.Split(options.Receivers);
        var metrics = new Metrics(options.PostRates.Count);
        var rssBefore = ServerRssKb(options.ServerPid);

        await log.WriteLineAsync($"[{options.Name}] connecting {options.Receivers} receivers to {rooms.Count} rooms ({string.Join("/", roomSizes)})");
        var invokers = options.SourceAddresses.Select(BoundInvoker).ToArray();
        var (receivers, connectErrors) = await ConnectReceiversAsync(options, http, rooms, roomSizes, invokers, metrics, ct);
        await log.WriteLineAsync($"[{options.Name}] {receivers.Count} joined, {connectErrors} failed to connect");
        using var keepAlive = new CancellationTokenSource();
        var pinging = PingLoopAsync(receivers, keepAlive.Token);

        // In a scale-out run, memory is read once every peer holds its receivers: the machine is quiet again.
        var peers = options.ExchangeDirectory is { } exchange ? new PeerExchange(exchange, options.PeerIndex, options.PeerCount) : null;
        if (peers is not null && !await peers.MeetAsync("held", TimeSpan.FromMinutes(15), ct))
        {
            metrics.Error("PEER_TIMEOUT");
        }

        await Task.Delay(TimeSpan.FromSeconds(peers is null ? 3 : 10), ct);
        var rssHeld = ServerRssKb(options.ServerPid);

        var writers = await ConnectWritersAsync(options, http, ct);
        if (peers is not null && !await peers.MeetAsync("ready", TimeSpan.FromMinutes(2), ct))
        {
            metrics.Error("PEER_TIMEOUT");
        }

        // In a scale-out run the rates are the cluster's: each peer posts its share.
        var share = 1.0 / (peers?.Count ?? 1);
        var steps = new List<(double Rate, long Sent, TimeSpan Elapsed)>();
        var random = new Random(42 + options.PeerIndex);
        if (options.Warmup > TimeSpan.Zero)
        {
            await log.WriteLineAsync($"[{options.Name}] warm-up: {options.PostRates[0]} posts/s for {options.Warmup.TotalSeconds} s, not timed");
            await PostAtRateAsync(writers, rooms, zipf, options.PostRates[0] * share, Metrics.WarmupStep, options.Warmup, metrics, random, ct);
        }

        for (var step = 0; step < options.PostRates.Count; step++)
        {
            var rate = options.PostRates[step];
            await log.WriteLineAsync($"[{options.Name}] step {step}: {rate} posts/s for {options.StepLength.TotalSeconds} s");
            var (sent, elapsed) = await PostAtRateAsync(writers, rooms, zipf, rate * share, step, options.StepLength, metrics, random, ct);
            steps.Add((rate, sent, elapsed));
        }

        if (peers is not null && !await peers.ShareAckedAsync(metrics, TimeSpan.FromMinutes(3), ct))
        {
            metrics.Error("PEER_TIMEOUT");
        }

        await Task.Delay(options.Drain, ct);
        var (expected, lost, leftEarly) = CountLoss(receivers, metrics);
        var catchUp = options.Target == "jam" && options.PeerIndex == 0 ? await MeasureCatchUpAsync(writers[0], metrics, ct) : null;
        await keepAlive.CancelAsync();
        await pinging;

        var result = new LoadResult(
            options.Name, options.Target, options.MessagePackWriters ? "MessagePack" : "JSON", started,
            options.Receivers, receivers.Count, connectErrors, leftEarly, roomSizes,
            ToMb(rssBefore), ToMb(rssHeld),
            rssBefore is { } b && rssHeld is { } h && receivers.Count > 0 ? Math.Round((h - b) / (double)receivers.Count, 1) : null,
            steps.Select((s, i) => new StepResult(s.Rate, s.Sent, s.Elapsed.TotalSeconds, metrics.AckLatency(i), metrics.DeliveryLatency(i))).ToList(),
            expected, lost, metrics.Duplicates, metrics.ServerCloses, new SortedDictionary<string, long>(metrics.Errors), catchUp);

        foreach (var writer in writers)
        {
            await writer.DisposeAsync();
        }

        await Parallel.ForEachAsync(receivers, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (r, _) => await r.DisposeAsync());
        foreach (var invoker in invokers)
        {
            invoker.Dispose();
        }

        return result;
    }

    private static async Task<IReadOnlyList<string>> RoomIdsAsync(HttpClient http, int count, CancellationToken ct)
    {
        try
        {
            var rooms = await http.GetFromJsonAsync<List<RoomListing>>("api/rooms", ct);
            if (rooms is { Count: > 0 })
            {
                return rooms.Take(count).Select(r => r.Id).ToList();
            }
        }
        catch (HttpRequestException)
        {
        }

        return Enumerable.Range(0, count).Select(i => $"room-{i}").ToList();
    }

    private static async Task<(List<LeanReceiver> Receivers, int Errors)> ConnectReceiversAsync(
        LoadOptions options, HttpClient http, IReadOnlyList<string> rooms, int[] roomSizes,
        HttpMessageInvoker[] invokers, Metrics metrics, CancellationToken ct)
    {
        var plan = roomSizes.SelectMany((size, room) => Enumerable.Repeat(rooms[room], size)).ToList();
        var receivers = new ConcurrentBag<LeanReceiver>();
        var errors = 0;
        var hub = new Uri(options.Server, "hubs/jam");
        var clock = Stopwatch.StartNew();
        using var inFlight = new SemaphoreSlim(256);
        var tasks = new List<Task>(plan.Count);
        for (var i = 0; i < plan.Count; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)options.ConnectsPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, ct);
            }

            await inFlight.WaitAsync(ct);
            var roomId = plan[i];
            var invoker = invokers[i % invokers.Length];
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var token = options.Target == "jam" ? (await SignInAsync(http, "Receiver", ct)).Token : null;
                    receivers.Add(await LeanReceiver.ConnectAsync(hub, token, roomId, invoker, metrics, ct, options.MessagePackReceivers));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        await Console.Error.WriteLineAsync($"connect failed: {ex.GetType().Name}: {ex.Message}");
                    }

                    metrics.Error("CONNECT");
                }
                finally
                {
                    inFlight.Release();
                }
            }, ct));
        }

        await Task.WhenAll(tasks);
        return (receivers.ToList(), errors);
    }

    private static async Task PingLoopAsync(IReadOnlyList<LeanReceiver> receivers, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                foreach (var receiver in receivers)
                {
                    try
                    {
                        await receiver.PingAsync(ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<List<HubConnection>> ConnectWritersAsync(LoadOptions options, HttpClient http, CancellationToken ct)
    {
        var writers = new List<HubConnection>();
        for (var i = 0; i < options.Writers; i++)
        {
            var token = options.Target == "jam" ? (await SignInAsync(http, "Writer", ct)).Token : null;
            var builder = new HubConnectionBuilder().WithUrl(new Uri(options.Server, "hubs/jam"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult(token);
                o.SkipNegotiation = true;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            });
            if (options.MessagePackWriters)
            {
                builder.AddMessagePackProtocol();
            }

            var connection = builder.Build();
            await connection.StartAsync(ct);
            if (options.Target == "jam")
            {
                await connection.InvokeAsync<object>("AcceptGuidelines", ct);
            }

            writers.Add(connection);
        }

        return writers;
    }

    private static async Task<(long Sent, TimeSpan Elapsed)> PostAtRateAsync(
        List<HubConnection> writers, IReadOnlyList<string> rooms, Zipf zipf, double rate, int step,
        TimeSpan length, Metrics metrics, Random random, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>();
        long sent = 0;
        while (clock.Elapsed < length)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                var writer = writers[(int)(sent % writers.Count)];
                var roomId = rooms[zipf.Next(random)];
                pending.Add(PostOneAsync(writer, roomId, PostBody.Make(step, random), step, metrics, ct));
            }

            pending.RemoveAll(t => t.IsCompleted);
            await Task.Delay(5, ct);
        }

        // A late wake-up of the pacing loop (a GC pause, a busy machine) must not shorten the step: send what is due.
        for (var total = (long)(rate * length.TotalSeconds); sent < total; sent++)
        {
            var writer = writers[(int)(sent % writers.Count)];
            pending.Add(PostOneAsync(writer, rooms[zipf.Next(random)], PostBody.Make(step, random), step, metrics, ct));
        }

        var elapsed = clock.Elapsed;
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60), ct);
        return (sent, elapsed);
    }

    private static async Task PostOneAsync(HubConnection writer, string roomId, string body, int step, Metrics metrics, CancellationToken ct)
    {
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            var ack = await writer.InvokeAsync<PostAck>("Post", new PostRequest(roomId, null, body, Guid.NewGuid().ToString("N")), ct);
            metrics.Acknowledged(roomId, ack.Seq, step, Stopwatch.GetElapsedTime(sentAt));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = ex.Message;
            var colon = message.IndexOf(':', StringComparison.Ordinal);
            metrics.Error(colon > 0 && message[..colon].All(c => char.IsAsciiLetterUpper(c) || c == '_') ? message[..colon] : ex.GetType().Name);
        }
    }

    /// <summary>
    /// A reconnecting client's catch-up: JoinRoom from 1,000 posts back in the busiest room, 20 times over; the
    /// time is the whole call as the client sees it.
    /// </summary>
    private static async Task<CatchUpResult?> MeasureCatchUpAsync(HubConnection client, Metrics metrics, CancellationToken ct)
    {
        const int Missed = 1000, Calls = 20;
        var busiest = metrics.Acked.OrderByDescending(r => r.Value.Count).FirstOrDefault();
        if (busiest.Value is null || busiest.Value.Count < Missed)
        {
            return null;
        }

        var histogram = new LatencyHistogram();
        var last = busiest.Value.Max();
        var returned = 0;
        for (var i = 0; i < Calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await client.InvokeAsync<JoinRoomResult>("JoinRoom", busiest.Key, last - Missed, ct);
            histogram.Record(Stopwatch.GetElapsedTime(started));
            returned = result.Posts.Count;
            await client.InvokeAsync("LeaveRoom", busiest.Key, ct);
        }

        var summary = histogram.Summary();
        return new CatchUpResult(returned, Calls, summary.P50Ms, summary.P99Ms, summary.MaxMs);
    }

    /// <summary>Every acknowledged post in a room is owed to every receiver of that room that stayed connected.</summary>
    private static (long Expected, long Lost, int LeftEarly) CountLoss(List<LeanReceiver> receivers, Metrics metrics)
    {
        long expected = 0, lost = 0;
        var leftEarly = 0;
        foreach (var receiver in receivers)
        {
            if (!receiver.Open)
            {
                leftEarly++;
                continue;
            }

            if (!metrics.Acked.TryGetValue(receiver.RoomId, out var acked))
            {
                continue;
            }

            foreach (var seq in acked.Where(s => s > receiver.Baseline))
            {
                expected++;
                if (!receiver.Received.Contains(seq))
                {
                    lost++;
                }
            }
        }

        return (expected, lost, leftEarly);
    }

    private static async Task<SignInResponse> SignInAsync(HttpClient http, string name, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("api/auth/demo", new { displayName = name, role = "participant", kind = "employee" }, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SignInResponse>(ct))!;
    }

    /// <summary>Connections from one loopback source address (one address holds about 28,000 to a server port).</summary>
    internal static HttpMessageInvoker BoundInvoker(IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static long? ServerRssKb(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/status"))
        {
            return null;
        }

        GC.KeepAlive(pid);
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static double? ToMb(long? kb) => kb is null ? null : Math.Round(kb.Value / 1024.0, 1);

    private sealed record RoomListing(string Id);

    private sealed record SignInResponse(string Token, string ParticipantId);
}
