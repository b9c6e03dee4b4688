using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace JamLoad;

/// <summary>
/// A voter that speaks SignalR's JSON hub protocol over a bare WebSocket: it sends its votes as invocations, all at
/// once, and records each completion (accepted, or the error code) with its latency.
/// </summary>
public sealed class LeanVoter : IAsyncDisposable
{
    private const byte RecordSeparator = LeanSocket.RecordSeparator;

    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<string, (string ProposalId, long SentAt)> _pending = new(StringComparer.Ordinal);
    private readonly VoteMetrics _metrics;
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiving;

    private LeanVoter(string participantId, string token, VoteMetrics metrics)
    {
        ParticipantId = participantId;
        Token = token;
        _metrics = metrics;
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket.Options.SetBuffer(4096, 4096);
    }

    public string ParticipantId { get; }

    public string Token { get; }

    /// <summary>The proposals the server accepted this voter's votes for.</summary>
    public ConcurrentBag<string> Accepted { get; } = [];

    public static async Task<LeanVoter> ConnectAsync(
        Uri hub, string participantId, string token, HttpMessageInvoker invoker, VoteMetrics metrics, CancellationToken ct)
    {
        var voter = new LeanVoter(participantId, token, metrics);
        var builder = new UriBuilder(hub) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(token) };
        await LeanSocket.ConnectAsync(voter._socket, builder.Uri, invoker, ct);
        voter._receiving = Task.Run(voter.ReceiveLoopAsync, CancellationToken.None);
        await voter._socket.SendAsync(LeanSocket.JsonHandshake, WebSocketMessageType.Text, endOfMessage: true, ct);
        await voter._handshake.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return voter;
    }

    /// <summary>Sends every vote at once (one frame) and waits for all the answers.</summary>
    public async Task VoteAsync(IReadOnlyList<string> proposalIds, CancellationToken ct)
    {
        _allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frame = new ArrayBufferWriter<byte>(proposalIds.Count * 96);
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < proposalIds.Count; i++)
        {
            var id = "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _pending[id] = (proposalIds[i], now);
            using (var json = new Utf8JsonWriter(frame))
            {
                json.WriteStartObject();
                json.WriteNumber("type", 1);
                json.WriteString("invocationId", id);
                json.WriteString("target", "Vote");
                json.WriteStartArray("arguments");
                json.WriteStringValue(proposalIds[i]);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            frame.Write([RecordSeparator]);
        }

        await _socket.SendAsync(frame.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, ct);
        await _allAnswered.Task.WaitAsync(TimeSpan.FromSeconds(120), ct);
    }

    public ValueTask DisposeAsync() => LeanSocket.CloseAsync(_socket, _receiving);

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await LeanSocket.ReceiveAsync(_socket, Dispatch);
        }
        finally
        {
            _handshake.TrySetException(new InvalidOperationException("The connection closed during the handshake."));
            if (!_pending.IsEmpty)
            {
                _metrics.Error("CLOSED", _pending.Count);
            }

            _allAnswered.TrySetResult();
        }
    }

    private void Dispatch(ReadOnlySpan<byte> records)
    {
        while (LeanSocket.TryTakeRecord(ref records, out var record))
        {
            if (record.SequenceEqual("{}"u8))
            {
                _handshake.TrySetResult();
                continue;
            }

            var (type, invocationId, error) = Parse(record);
            if (type != 3 || invocationId is null || !_pending.TryRemove(invocationId, out var vote))
            {
                continue;
            }

            var latency = Stopwatch.GetElapsedTime(vote.SentAt);
            if (error is null)
            {
                Accepted.Add(vote.ProposalId);
                _metrics.Accepted(latency);
            }
            else
            {
                var colon = error.IndexOf(':', StringComparison.Ordinal);
                _metrics.Error(colon > 0 ? error[..colon] : "OTHER", 1);
            }

            if (_pending.IsEmpty)
            {
                _allAnswered.TrySetResult();
            }
        }
    }

    private static (int Type, string? InvocationId, string? Error) Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        int type = 0;
        string? invocationId = null, error = null, property = null;
        while (reader.Read())
        {
            if (reader.CurrentDepth != 1)
            {
                continue;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = reader.GetString();
                    break;
                case JsonTokenType.Number when property == "type":
                    type = reader.GetInt32();
                    break;
                case JsonTokenType.String when property == "invocationId":
                    invocationId = reader.GetString();
                    break;
                case JsonTokenType.String when property == "error":
                    error = reader.GetString();
                    break;
            }
        }

        return (type, invocationId, error);
    }
}

/// <summary>What a vote rush counts: acceptances over time with their latency, and refusals by code.</summary>
public sealed class VoteMetrics
{
    private readonly LatencyHistogram _latency = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<long, long> _perSecond = new();

    public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public long AcceptedCount => _latency.Count;

    public LatencySummary Latency => _latency.Summary();

    /// <summary>The most votes accepted in one whole second of the run.</summary>
    public long PeakPerSecond => _perSecond.IsEmpty ? 0 : _perSecond.Values.Max();

    public void Restart() => _clock.Restart();

    public void Accepted(TimeSpan latency)
    {
        _latency.Record(latency);
        _perSecond.AddOrUpdate((long)_clock.Elapsed.TotalSeconds, 1, (_, n) => n + 1);
    }

    public void Error(string code, long count) => Errors.AddOrUpdate(code, count, (_, n) => n + count);
}
