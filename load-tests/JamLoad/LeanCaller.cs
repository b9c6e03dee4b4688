using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace JamLoad;

/// <summary>
/// A hub caller that speaks SignalR's JSON hub protocol over a bare WebSocket (no negotiation, no client library),
/// for bulk work where the official client would take the CPU the server under test needs. It sends several
/// invocations in one frame (the server answers them in order, one at a time) and completes each with its result or
/// its error code. Pushes from the server (TallyUpdated, PhaseChanged, pings) are skipped without being parsed.
/// </summary>
internal sealed class LeanCaller : IAsyncDisposable
{
    private const byte RecordSeparator = LeanSocket.RecordSeparator;
    private static readonly SearchValues<char> CodeCharacters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ_");

    /// <summary>A call that got no answer because the connection closed first.</summary>
    public const string Closed = "CLOSED";

    /// <summary>A call that got no answer in time.</summary>
    public const string TimedOut = "TIMEOUT";

    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;
    private bool _ended;
    private Task? _receiving;

    private LeanCaller()
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket.Options.SetBuffer(4096, 4096);
    }

    /// <summary>One hub call: the method, and a writer of its arguments (the values inside the arguments array).</summary>
    public readonly record struct Call(string Target, Action<Utf8JsonWriter> Arguments);

    /// <summary>
    /// A call's answer: <see cref="Code"/> is null when it succeeded (then <see cref="Result"/> holds the result's raw
    /// JSON, if any), else the error's code (<c>RATE_LIMITED</c>, ..., or <see cref="Closed"/>, <see cref="TimedOut"/>).
    /// </summary>
    public readonly record struct Answer(string? Code, string? Error, byte[]? Result, TimeSpan Latency)
    {
        public bool Ok => Code is null;
    }

    public bool Open => _socket.State == WebSocketState.Open && !Volatile.Read(ref _ended);

    public static async Task<LeanCaller> ConnectAsync(Uri hub, string token, HttpMessageInvoker invoker, CancellationToken ct)
    {
        var caller = new LeanCaller();
        try
        {
            var uri = new UriBuilder(hub)
            {
                Scheme = hub.Scheme == "https" ? "wss" : "ws",
                Query = "access_token=" + Uri.EscapeDataString(token),
            }.Uri;
            await LeanSocket.ConnectAsync(caller._socket, uri, invoker, ct);
            caller._receiving = Task.Run(caller.ReceiveLoopAsync, CancellationToken.None);
            await caller._socket.SendAsync(LeanSocket.JsonHandshake, WebSocketMessageType.Text, endOfMessage: true, ct);
            await caller._handshake.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            return caller;
        }
        catch
        {
            await caller.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends the calls in one frame and waits for every answer, at most <paramref name="timeout"/>.</summary>
    public async Task<Answer[]> CallAsync(IReadOnlyList<Call> calls, TimeSpan timeout, CancellationToken ct)
    {
        var frame = new ArrayBufferWriter<byte>(calls.Count * 160);
        var waits = new Pending[calls.Count];
        var ids = new int[calls.Count];
        lock (_gate)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                ids[i] = _nextId++;
                waits[i] = new Pending(Stopwatch.GetTimestamp());
                if (_ended)
                {
                    waits[i].Done.TrySetResult(new Answer(Closed, null, null, TimeSpan.Zero));
                }
                else
                {
                    _pending[ids[i]] = waits[i];
                }
            }
        }

        Span<byte> id = stackalloc byte[12];
        for (var i = 0; i < calls.Count; i++)
        {
            Utf8Formatter.TryFormat(ids[i], id, out var idLength);
            using (var json = new Utf8JsonWriter(frame))
            {
                json.WriteStartObject();
                json.WriteNumber("type"u8, 1);
                json.WriteString("invocationId"u8, id[..idLength]);
                json.WriteString("target"u8, calls[i].Target);
                json.WriteStartArray("arguments"u8);
                calls[i].Arguments(json);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            frame.Write([RecordSeparator]);
        }

        try
        {
            await _socket.SendAsync(frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            EndAll(ids, Closed);
        }

#pragma warning disable VSTHRD003 // Every answer's task is this call's own, completed by the receive loop or below.
        var all = Task.WhenAll(waits.Select(w => w.Done.Task));
#pragma warning restore VSTHRD003
        try
        {
            await all.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            EndAll(ids, TimedOut);
        }

        return await all;
    }

    public async ValueTask DisposeAsync()
    {
        // Close politely and let the server close first, so that its side, not ours, keeps the TIME_WAIT.
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        if (_receiving is not null)
        {
#pragma warning disable VSTHRD003 // The receive loop is this caller's own, started when it connected.
            await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
#pragma warning restore VSTHRD003
        }

        _socket.Abort();
        if (_receiving is not null)
        {
#pragma warning disable VSTHRD003
            await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
#pragma warning restore VSTHRD003
        }

        _socket.Dispose();
    }

    private void EndAll(int[] ids, string code)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_pending.Remove(id, out var pending))
                {
                    pending.Done.TrySetResult(new Answer(code, null, null, Stopwatch.GetElapsedTime(pending.SentAt)));
                }
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await LeanSocket.ReceiveAsync(_socket, Dispatch);
        }
        finally
        {
            _handshake.TrySetException(new WebSocketException("The connection closed during the handshake."));
            lock (_gate)
            {
                _ended = true;
                foreach (var pending in _pending.Values)
                {
                    pending.Done.TrySetResult(new Answer(Closed, null, null, Stopwatch.GetElapsedTime(pending.SentAt)));
                }

                _pending.Clear();
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> records)
    {
        while (LeanSocket.TryTakeRecord(ref records, out var record))
        {
            if (!_handshake.Task.IsCompleted)
            {
                if (record.SequenceEqual("{}"u8))
                {
                    _handshake.TrySetResult();
                }
                else
                {
                    _handshake.TrySetException(new WebSocketException("Handshake refused: " + System.Text.Encoding.UTF8.GetString(record)));
                }

                continue;
            }

            // SignalR writes "type" first: anything but a completion (3) is skipped unread.
            if (record.StartsWith("{\"type\":"u8) && record.Length > 8 && record[8] != (byte)'3')
            {
                continue;
            }

            Complete(record);
        }
    }

    private void Complete(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record);
        int? id = null;
        var type = 0;
        string? error = null;
        byte[]? result = null;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.TokenType == JsonTokenType.Number ? reader.GetInt32() : 0;
            }
            else if (reader.ValueTextEquals("invocationId"u8))
            {
                reader.Read();
                if (Utf8Parser.TryParse(reader.ValueSpan, out int parsed, out _))
                {
                    id = parsed;
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                result = record[start..(int)reader.BytesConsumed].ToArray();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type != 3 || id is not { } invocation)
        {
            return;
        }

        Pending? pending;
        lock (_gate)
        {
            _pending.Remove(invocation, out pending);
        }

        pending?.Done.TrySetResult(new Answer(error is null ? null : CodeOf(error), error, result, Stopwatch.GetElapsedTime(pending.SentAt)));
    }

    /// <summary>A hub error reads "CODE: message" (docs/protocol.md); anything else is OTHER.</summary>
    public static string CodeOf(string error)
    {
        var colon = error.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && !error.AsSpan(0, colon).ContainsAnyExcept(CodeCharacters) ? error[..colon] : "OTHER";
    }

    private sealed class Pending(long sentAt)
    {
        public TaskCompletionSource<Answer> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long SentAt { get; } = sentAt;
    }
}
