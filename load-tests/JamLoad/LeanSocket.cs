using System.Buffers;
using System.Net.WebSockets;

namespace JamLoad;

/// <summary>What the lean clients (receivers, voters) share: reading whole WebSocket messages, and closing.</summary>
internal static class LeanSocket
{
    /// <summary>Ends every message of SignalR's JSON protocol, the handshake included.</summary>
    public const byte RecordSeparator = 0x1e;

    public static readonly byte[] JsonHandshake = System.Text.Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");

    public delegate void MessageHandler(ReadOnlySpan<byte> message);

    /// <summary>The next JSON record of a frame (up to its separator), or false when none is left whole.</summary>
    public static bool TryTakeRecord(ref ReadOnlySpan<byte> records, out ReadOnlySpan<byte> record)
    {
        var end = records.IndexOf(RecordSeparator);
        if (end < 0)
        {
            record = default;
            return false;
        }

        record = records[..end];
        records = records[(end + 1)..];
        return true;
    }

    /// <summary>Connects, failing after 30 s rather than holding a slot of the connect ramp for ever.</summary>
    public static async Task ConnectAsync(ClientWebSocket socket, Uri uri, HttpMessageInvoker invoker, CancellationToken ct)
    {
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connecting.CancelAfter(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(uri, invoker, connecting.Token);
    }

    /// <summary>Hands each whole message to <paramref name="handle"/> until the socket closes or fails.</summary>
    public static async Task ReceiveAsync(ClientWebSocket socket, MessageHandler handle)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(result.Count);
                if (result.EndOfMessage)
                {
                    handle(buffer.WrittenSpan);
                    buffer.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes politely for up to 2 s, then aborts, waits for the receive loop and disposes.</summary>
    public static async ValueTask CloseAsync(ClientWebSocket socket, Task? receiving)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        socket.Abort();
        if (receiving is not null)
        {
#pragma warning disable VSTHRD003 // The receive loop is the client's own, started when it connected.
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
#pragma warning restore VSTHRD003
        }

        socket.Dispose();
    }
}
