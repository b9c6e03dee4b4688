using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessagePack;

namespace JamServer.IntegrationTests.Support;

public delegate void WriteMessagePack(ref MessagePackWriter writer);

/// <summary>What the server sent back on a raw hub connection: a completion (type 3), a close (type 7), a handshake answer (0).</summary>
public sealed record RawReply(int Type, string? InvocationId, string? Error, bool AllowReconnect);

/// <summary>
/// A hub connection on a bare WebSocket, speaking the SignalR protocol by hand, so a test can send what no SignalR
/// client would: text that is not valid Unicode, garbage after the handshake, messages over the size limit.
/// </summary>
public sealed class RawHub : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private readonly ClientWebSocket _socket = new();
    private readonly List<byte> _received = [];

    private RawHub(Wire wire) => Wire = wire;

    public Wire Wire { get; }

    public WebSocketState State => _socket.State;

    /// <summary>Opened and, unless told otherwise, through the handshake.</summary>
    public static async Task<RawHub> ConnectAsync(ServerProcess server, SignedIn who, Wire wire, bool handshake = true)
    {
        var hub = new RawHub(wire);
        var uri = new Uri($"ws://127.0.0.1:{server.Port}/hubs/jam?access_token={Uri.EscapeDataString(who.Token)}");
        await hub._socket.ConnectAsync(uri, CancellationToken.None).Timely();
        if (handshake)
        {
            var protocol = wire == Wire.Json ? "json" : "messagepack";
            await hub.SendTextAsync($"{{\"protocol\":\"{protocol}\",\"version\":1}}\u001e");
            var answer = await hub.ReadHandshakeAsync();
            if (answer != "{}")
            {
                throw new InvalidOperationException("The handshake was refused: " + answer);
            }
        }

        return hub;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    /// <summary>Bytes as the wire's frame type: text for JSON, binary for MessagePack.</summary>
    public Task SendFrameAsync(byte[] bytes) =>
        SendAsync(bytes, Wire == Wire.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary);

    public Task SendAsync(byte[] bytes, WebSocketMessageType type) =>
        _socket.SendAsync(bytes, type, endOfMessage: true, CancellationToken.None).Timely();

    /// <summary>A JSON invocation as written, arguments included verbatim (so <c>\ud800</c> escapes go as they are).</summary>
    public Task InvokeJsonAsync(string invocationId, string target, string argumentsJson) =>
        SendTextAsync($"{{\"type\":1,\"invocationId\":\"{invocationId}\",\"target\":\"{target}\",\"arguments\":{argumentsJson}}}\u001e");

    /// <summary>A MessagePack invocation whose arguments are written by <paramref name="arguments"/> (an array header first).</summary>
    public Task InvokeMessagePackAsync(string invocationId, string target, WriteMessagePack arguments)
    {
        var head = Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(5);
            w.Write(1);
            w.WriteMapHeader(0);
            w.Write(invocationId);
            w.Write(target);
        });
        return SendFrameAsync(LengthPrefixed([.. head, .. Pack(arguments)]));
    }

    /// <summary>A well-formed Post on either wire.</summary>
    public Task InvokePostAsync(string invocationId, string roomId, string body) =>
        Wire == Wire.Json
            ? InvokeJsonAsync(invocationId, "Post", JsonSerializer.Serialize(new[] { new { roomId, body, clientId = invocationId + JamClient.NewId() } }))
            : InvokeMessagePackAsync(invocationId, "Post", (ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(1);
                w.WriteMapHeader(3);
                w.Write("roomId");
                w.Write(roomId);
                w.Write("body");
                w.Write(body);
                w.Write("clientId");
                w.Write(invocationId + JamClient.NewId());
            });

    public static byte[] Pack(WriteMessagePack write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A MessagePack message's length prefix (7 bits a byte, low first) and the message.</summary>
    public static byte[] LengthPrefixed(byte[] message)
    {
        var prefix = new List<byte>();
        var length = message.Length;
        do
        {
            var b = (byte)(length & 0x7f);
            length >>= 7;
            prefix.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        return [.. prefix, .. message];
    }

    /// <summary>
    /// Reads until a completion, a close or (JSON only) a handshake answer arrives, skipping pings and pushes; null when the socket closed or nothing
    /// came within <paramref name="timeout"/>.
    /// </summary>
    public async Task<RawReply?> NextReplyAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            while (TryTakeMessage(out var message))
            {
                if (Parse(message) is { Type: 0 or 3 or 7 } reply)
                {
                    return reply;
                }
            }

            if (_socket.State != WebSocketState.Open || !await ReceiveAsync(deadline.Token))
            {
                return null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, quick.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
    }

    private async Task<string> ReadHandshakeAsync()
    {
        using var deadline = new CancellationTokenSource(Within.Default);
        while (_received.IndexOf(RecordSeparator) is var end && end < 0)
        {
            if (!await ReceiveAsync(deadline.Token))
            {
                throw new InvalidOperationException("The server closed the socket during the handshake.");
            }
        }

        var at = _received.IndexOf(RecordSeparator);
        var text = Encoding.UTF8.GetString([.. _received.Take(at)]);
        _received.RemoveRange(0, at + 1);
        return text;
    }

    private async Task<bool> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var result = await _socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            _received.AddRange(buffer.AsSpan(0, result.Count));
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            return false;
        }
    }

    private bool TryTakeMessage(out byte[] message)
    {
        message = [];
        if (Wire == Wire.Json)
        {
            var end = _received.IndexOf(RecordSeparator);
            if (end < 0)
            {
                return false;
            }

            message = [.. _received.Take(end)];
            _received.RemoveRange(0, end + 1);
            return true;
        }

        var length = 0;
        var shift = 0;
        var at = 0;
        while (true)
        {
            if (at >= _received.Count)
            {
                return false;
            }

            var b = _received[at++];
            length |= (b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (_received.Count < at + length)
        {
            return false;
        }

        message = [.. _received.Skip(at).Take(length)];
        _received.RemoveRange(0, at + length);
        return true;
    }

    private RawReply? Parse(byte[] message)
    {
        if (Wire == Wire.Json)
        {
            using var json = JsonDocument.Parse(message);
            var root = json.RootElement;
            // A handshake answer has no type: 0 here.
            var type = root.TryGetProperty("type", out var typed) ? typed.GetInt32() : 0;
            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var reconnect = root.TryGetProperty("allowReconnect", out var allow) && allow.ValueKind == JsonValueKind.True;
            return new RawReply(type, Text("invocationId"), Text("error"), reconnect);
        }

        var reader = new MessagePackReader(message);
        var count = reader.ReadArrayHeader();
        var kind = reader.ReadInt32();
        if (kind == 3)
        {
            reader.Skip(); // headers
            var invocationId = reader.ReadString();
            var resultKind = reader.ReadInt32();
            return new RawReply(3, invocationId, resultKind == 1 ? reader.ReadString() : null, false);
        }

        if (kind == 7)
        {
            var error = reader.ReadString();
            var reconnect = count > 2 && reader.ReadBoolean();
            return new RawReply(7, null, error, reconnect);
        }

        return new RawReply(kind, null, null, false);
    }
}
