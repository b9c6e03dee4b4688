using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace JamLoad;

/// <summary>
/// One client of the reconnect storm, as a well-behaved client should be: it stays connected to one room, and after
/// any drop comes back with exponential backoff and full jitter, waits at least the Retry-After of a refusal, and
/// rejoins with the last seq it holds without a gap (SignalR's JSON protocol over a bare WebSocket, like the lean receivers).
/// </summary>
public sealed partial class StormClient
{
    private readonly Uri _hub;
    private readonly HttpMessageInvoker _invoker;
    private readonly StormBackoff _backoff;
    private readonly StormCounters _counters;
    private readonly SeqSet _received;
    private readonly Lock _lock = new();
    private ClientWebSocket? _socket;
    private long _contiguous;
    private long _highest;
    private long _holeAt = -1;
    private TaskCompletionSource<JoinAnswer>? _join;

    public StormClient(Uri hub, string token, string roomId, long baseline, HttpMessageInvoker invoker, StormBackoff backoff, StormCounters counters)
    {
        _hub = new UriBuilder(hub) { Scheme = hub.Scheme == "https" ? "wss" : "ws", Query = "access_token=" + Uri.EscapeDataString(token) }.Uri;
        RoomId = roomId;
        _invoker = invoker;
        _backoff = backoff;
        _counters = counters;
        _received = new SeqSet(baseline);
        _contiguous = baseline;
    }

    public string RoomId { get; }

    /// <summary>When this client last finished joining its room (a Stopwatch timestamp), or 0 while it is not in it.</summary>
    public long JoinedAt { get; private set; }

    public bool Joined => JoinedAt != 0;

    /// <summary>When this client was first back in its room after its last <see cref="Drop"/>, or 0.</summary>
    public long BackAt { get; private set; }

    public bool Holds(long seq) => _received.Contains(seq);

    /// <summary>Drops the connection as a network failure would (no close handshake), or only counts from now when the server is about to go.</summary>
    public void Drop(bool abort)
    {
        BackAt = 0;
        if (abort)
        {
            JoinedAt = 0;
            _socket?.Abort();
        }
    }

    public Task PingAsync(CancellationToken ct) =>
        _socket is { State: WebSocketState.Open } socket && Joined
            ? socket.SendAsync(Ping, WebSocketMessageType.Text, endOfMessage: true, ct)
            : Task.CompletedTask;

    /// <summary>
    /// Live pushes are best effort (docs/protocol.md): a hole in the seqs held that is still there since the last look
    /// is asked for with JoinRoom from the last seq held without a gap, as a client must.
    /// </summary>
    public async Task RepairGapAsync(CancellationToken ct)
    {
        long contiguous, highest;
        lock (_lock)
        {
            (contiguous, highest) = (_contiguous, _highest);
        }

        var holeSeen = _holeAt;
        _holeAt = highest > contiguous ? contiguous : -1;
        if (holeSeen < 0 || holeSeen != contiguous || !Joined || _socket is not { State: WebSocketState.Open } socket)
        {
            return;
        }

        _counters.GapRepaired();
        try
        {
            await JoinAsync(socket, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _counters.Failed("gap repair " + ex.GetType().Name);
        }
    }

    /// <summary>Connects, joins, and after every drop does so again, until <paramref name="ct"/> ends.</summary>
    public async Task StayConnectedAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            var retryAfter = TimeSpan.Zero;
            try
            {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.Zero;
                socket.Options.SetBuffer(4096, 1024);
                socket.Options.CollectHttpResponseDetails = true;
                _socket = socket;
                retryAfter = await ConnectAsync(socket, ct);
                if (socket.State == WebSocketState.Open)
                {
                    var receiving = Task.Run(
                        async () =>
                        {
                            await LeanSocket.ReceiveAsync(socket, Dispatch);
                            _join?.TrySetException(new WebSocketException("The connection closed before JoinRoom answered."));
                        },
                        CancellationToken.None);
                    await socket.SendAsync(LeanSocket.JsonHandshake, WebSocketMessageType.Text, endOfMessage: true, ct);
                    if (await JoinAsync(socket, ct))
                    {
                        attempt = 0;
                        JoinedAt = Stopwatch.GetTimestamp();
                        BackAt = BackAt == 0 ? JoinedAt : BackAt;
                        _counters.Back();
                    }
                    else
                    {
                        socket.Abort();
                    }

                    await receiving.WaitAsync(ct);
                    JoinedAt = 0;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Whatever went wrong (refused, timed out, closed mid-join), a client that gives up is never back: try again.
                _counters.Failed(ex.GetType().Name);
            }
            finally
            {
                _join?.TrySetCanceled(CancellationToken.None);
            }

            try
            {
                await Task.Delay(retryAfter + _backoff.Next(attempt++), ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Opens the WebSocket; a refusal returns its Retry-After (0 when it gave none) with the socket not open.</summary>
    private async Task<TimeSpan> ConnectAsync(ClientWebSocket socket, CancellationToken ct)
    {
        _counters.Attempt();
        try
        {
            await LeanSocket.ConnectAsync(socket, _hub, _invoker, ct);
            return TimeSpan.Zero;
        }
        catch (WebSocketException) when (socket.HttpStatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
        {
            _counters.Refused((int)socket.HttpStatusCode);
            var header = socket.HttpResponseHeaders?.GetValueOrDefault("Retry-After")?.FirstOrDefault();
            return int.TryParse(header, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        }
    }

    /// <summary>JoinRoom from the last seq held without a gap, again while the catch-up has more or is refused for now.</summary>
    private async Task<bool> JoinAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var refusals = 0;
        while (true)
        {
            long after;
            lock (_lock)
            {
                after = _contiguous;
                _join = new TaskCompletionSource<JoinAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            var message = JsonSerializer.SerializeToUtf8Bytes(new { type = 1, invocationId = "join", target = "JoinRoom", arguments = new object[] { RoomId, after } });
            byte[] framed = [.. message, LeanSocket.RecordSeparator];
            await socket.SendAsync(framed, WebSocketMessageType.Text, endOfMessage: true, ct);
            var answer = await _join.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            if (answer.Error is null)
            {
                if (!answer.HasMore)
                {
                    return true;
                }

                continue;
            }

            var code = answer.Error.Split(':')[0];
            _counters.JoinRefused(answer.Error.Contains("catching up many", StringComparison.Ordinal) ? code + " (catch-up shed)" : code);
            if (code is not ("UNAVAILABLE" or "RATE_LIMITED"))
            {
                return false;
            }

            // Shed for a moment: asked again on the same connection, rather than adding a reconnect to the storm.
            refusals++;

            var told = RetryAfter().Match(answer.Error) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
            await Task.Delay(TimeSpan.FromSeconds(told) + _backoff.Next(refusals - 1), ct);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> records)
    {
        while (LeanSocket.TryTakeRecord(ref records, out var record))
        {
            if (record.Length <= 2)
            {
                continue;
            }

            var message = HubRecord.Parse(record);
            if (message.Type == 1 && message.Target == "PostAdded" && message.Seq > 0)
            {
                Add(message.Seq);
            }
            else if (message.Type == 3)
            {
                var answer = JoinAnswer.Parse(record);
                foreach (var seq in answer.Seqs)
                {
                    Add(seq);
                }

                _join?.TrySetResult(answer);
            }
        }
    }

    private void Add(long seq)
    {
        _received.Add(seq);
        lock (_lock)
        {
            _highest = Math.Max(_highest, seq);
            while (_received.Contains(_contiguous + 1))
            {
                _contiguous++;
            }
        }
    }

    private static readonly byte[] Ping = "{\"type\":6}\u001e"u8.ToArray();

    [GeneratedRegex(@"retry after (\d+) s")]
    private static partial Regex RetryAfter();

    /// <summary>A JoinRoom completion: the seqs of its catch-up, whether more remain, or its error.</summary>
    private sealed record JoinAnswer(IReadOnlyList<long> Seqs, bool HasMore, string? Error)
    {
        public static JoinAnswer Parse(ReadOnlySpan<byte> json)
        {
            var seqs = new List<long>();
            var hasMore = false;
            string? error = null;
            var reader = new Utf8JsonReader(json);
            var property = "";
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.ValueTextEquals("seq"u8) ? "seq"
                            : reader.ValueTextEquals("hasMore"u8) ? "hasMore"
                            : reader.ValueTextEquals("error"u8) && reader.CurrentDepth == 1 ? "error"
                            : "";
                        break;
                    case JsonTokenType.Number when property == "seq":
                        seqs.Add(reader.GetInt64());
                        break;
                    case JsonTokenType.True when property == "hasMore":
                        hasMore = true;
                        break;
                    case JsonTokenType.String when property == "error":
                        error = reader.GetString();
                        break;
                }
            }

            return new JoinAnswer(seqs, hasMore, error);
        }
    }
}

/// <summary>Exponential backoff with full jitter: a pause drawn evenly from 0 to base × 2^attempt, at most the cap.</summary>
public sealed class StormBackoff(TimeSpan first, TimeSpan cap)
{
    public TimeSpan Next(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(cap.TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20))));
}

/// <summary>What the storm's clients count, together.</summary>
public sealed class StormCounters
{
    private long _attempts;
    private long _back;
    private long _gapRepairs;

    public System.Collections.Concurrent.ConcurrentDictionary<string, long> Refusals { get; } = new();

    public System.Collections.Concurrent.ConcurrentDictionary<string, long> Failures { get; } = new();

    public long Attempts => Interlocked.Read(ref _attempts);

    public long Joins => Interlocked.Read(ref _back);

    public long GapRepairs => Interlocked.Read(ref _gapRepairs);

    public void Attempt() => Interlocked.Increment(ref _attempts);

    public void GapRepaired() => Interlocked.Increment(ref _gapRepairs);

    public void Back() => Interlocked.Increment(ref _back);

    public void Refused(int status) => Refusals.AddOrUpdate(status.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);

    public void JoinRefused(string code) => Refusals.AddOrUpdate("JoinRoom " + code, 1, (_, n) => n + 1);

    public void Failed(string kind) => Failures.AddOrUpdate(kind, 1, (_, n) => n + 1);
}
