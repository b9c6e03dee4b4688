using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace JamLoad;

/// <summary>
/// A receiver that speaks SignalR's JSON hub protocol over a bare WebSocket (no negotiation, no client library),
/// so that tens of thousands of them leave the CPU to the server under test. It joins one room and records every
/// PostAdded: its seq (for loss) and the latency from the send time the writer put in the body.
/// </summary>
public sealed class LeanReceiver : IAsyncDisposable
{
    private const byte RecordSeparator = LeanSocket.RecordSeparator;
    private static readonly byte[] JsonHandshake = LeanSocket.JsonHandshake;
    private static readonly byte[] PackHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"messagepack\",\"version\":1}\u001e");
    private static readonly byte[] JsonPing = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
    private static readonly byte[] PackPing = [0x02, 0x91, 0x06];

    private readonly ClientWebSocket _socket = new();
    private readonly TaskCompletionSource<long> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Metrics _metrics;
    private readonly Queue<(long Seq, long SentAt, int Step)> _early = new();
    private readonly Lock _joining = new();
    private volatile SeqSet? _received;
    private Task? _receiving;

    private readonly bool _packed;
    private bool _handshakeDone;

    private LeanReceiver(string roomId, Metrics metrics, bool messagePack)
    {
        RoomId = roomId;
        _metrics = metrics;
        _packed = messagePack;
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket.Options.SetBuffer(4096, 1024);
    }

    public string RoomId { get; }

    public bool Open => _socket.State == WebSocketState.Open;

    public long Baseline { get; private set; }

    public SeqSet Received => _received ?? throw new InvalidOperationException("Not joined.");

    public static async Task<LeanReceiver> ConnectAsync(
        Uri hub, string? token, string roomId, HttpMessageInvoker invoker, Metrics metrics, CancellationToken ct,
        bool messagePack = false)
    {
        var receiver = new LeanReceiver(roomId, metrics, messagePack);
        var builder = new UriBuilder(hub) { Scheme = hub.Scheme == "https" ? "wss" : "ws" };
        if (token is not null)
        {
            builder.Query = "access_token=" + Uri.EscapeDataString(token);
        }

        await LeanSocket.ConnectAsync(receiver._socket, builder.Uri, invoker, ct);
        await receiver.SendAsync(messagePack ? PackHandshake : JsonHandshake, ct);
        receiver._receiving = Task.Run(receiver.ReceiveLoopAsync, CancellationToken.None);
        await receiver.SendAsync(messagePack ? PackedHub.JoinRoom(roomId) : JsonJoinRoom(roomId), ct);
        receiver.Baseline = await receiver._joined.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        lock (receiver._joining)
        {
            receiver._received = new SeqSet(receiver.Baseline);
            while (receiver._early.TryDequeue(out var early))
            {
                receiver.Record(early.Seq, early.SentAt, early.Step);
            }
        }

        return receiver;
    }

    public Task PingAsync(CancellationToken ct) => Open ? SendAsync(_packed ? PackPing : JsonPing, ct) : Task.CompletedTask;

    private static byte[] JsonJoinRoom(string roomId)
    {
        var join = JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = 1,
            invocationId = "join",
            target = "JoinRoom",
            arguments = new object[] { roomId, 0L },
        });
        return [.. join, RecordSeparator];
    }

    public ValueTask DisposeAsync() => LeanSocket.CloseAsync(_socket, _receiving);

    private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken ct) =>
        await _socket.SendAsync(message, _packed ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, ct);

    private async Task ReceiveLoopAsync()
    {
        try
        {
            await LeanSocket.ReceiveAsync(_socket, Dispatch);
        }
        finally
        {
            _joined.TrySetException(new InvalidOperationException("The connection closed before JoinRoom answered."));
        }
    }

    private void Dispatch(ReadOnlySpan<byte> records)
    {
        if (_packed && !_handshakeDone)
        {
            // The handshake answer is JSON even for MessagePack; what follows it is binary.
            var end = records.IndexOf(RecordSeparator);
            if (end < 0)
            {
                return;
            }

            _handshakeDone = true;
            records = records[(end + 1)..];
        }

        if (_packed)
        {
            foreach (var message in PackedHub.Split(records))
            {
                Handle(PackedHub.Parse(message));
            }

            return;
        }

        while (LeanSocket.TryTakeRecord(ref records, out var record))
        {
            if (record.Length > 2)
            {
                Handle(HubRecord.Parse(record));
            }
        }
    }

    private void Record(long seq, long sentAtMicros, int step)
    {
        if (Received.Add(seq))
        {
            _metrics.Delivered(sentAtMicros, step);
        }
        else if (seq > Baseline)
        {
            _metrics.Duplicate();
        }
    }

    private void Handle(HubRecord message)
    {
        switch (message.Type)
        {
            case 1 when message.Target == "PostAdded" && message.Seq > 0:
                if (_received is null)
                {
                    lock (_joining)
                    {
                        if (_received is null)
                        {
                            // The protocol lets a post arrive before the JoinRoom answer: counted once the baseline is known.
                            _early.Enqueue((message.Seq, message.SentAtMicros, message.Step));
                            break;
                        }
                    }
                }

                Record(message.Seq, message.SentAtMicros, message.Step);
                break;
            case 3 when message.Error is not null:
                _joined.TrySetException(new InvalidOperationException(message.Error));
                break;
            case 3:
                _joined.TrySetResult(message.LastSeq);
                break;
            case 7:
                _metrics.ClosedByServer();
                break;
        }
    }
}

/// <summary>What a receiver needs from one SignalR JSON record, read without allocating a document.</summary>
internal ref struct HubRecord
{
    public int Type;
    public string? Target;
    public string? Error;
    public long Seq;
    public long LastSeq;
    public long SentAtMicros;
    public int Step;

    public static HubRecord Parse(ReadOnlySpan<byte> json)
    {
        var record = default(HubRecord);
        var reader = new Utf8JsonReader(json);
        var property = "";
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = reader.ValueTextEquals("type"u8) ? "type"
                        : reader.ValueTextEquals("target"u8) ? "target"
                        : reader.ValueTextEquals("error"u8) ? "error"
                        : reader.ValueTextEquals("seq"u8) ? "seq"
                        : reader.ValueTextEquals("lastSeq"u8) ? "lastSeq"
                        : reader.ValueTextEquals("body"u8) ? "body"
                        : "";
                    break;
                case JsonTokenType.Number when property == "type" && reader.CurrentDepth == 1:
                    record.Type = reader.GetInt32();
                    break;
                case JsonTokenType.Number when property == "seq":
                    record.Seq = reader.GetInt64();
                    break;
                case JsonTokenType.Number when property == "lastSeq":
                    record.LastSeq = reader.GetInt64();
                    break;
                case JsonTokenType.String when property == "target" && reader.CurrentDepth == 1:
                    record.Target = reader.ValueTextEquals("PostAdded"u8) ? "PostAdded" : reader.GetString();
                    break;
                case JsonTokenType.String when property == "error" && reader.CurrentDepth == 1:
                    record.Error = reader.GetString();
                    break;
                case JsonTokenType.String when property == "body":
                    (record.SentAtMicros, record.Step) = PostBody.ReadStamp(reader.ValueSpan);
                    break;
            }
        }

        return record;
    }
}
