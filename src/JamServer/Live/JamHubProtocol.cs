using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using JamServer.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace JamServer.Live;

/// <summary>Several hub messages written as one frame: the room fan-out's batch of a tick.</summary>
public sealed class BatchMessage(IReadOnlyList<HubMessage> messages) : HubMessage
{
    public IReadOnlyList<HubMessage> Messages { get; } = messages;
}

/// <summary>
/// Wraps each hub protocol (JSON, MessagePack) for what SignalR does not do by itself:
/// <list type="bullet">
/// <item>A <see cref="BatchMessage"/> is written as its messages one after another, so a client receives a tick's
/// posts in one WebSocket frame, each still an ordinary PostAdded.</item>
/// <item>SignalR prefixes every hub error with "An unexpected error occurred invoking 'X' on the server.
/// HubException: ". Our contract is that a hub error starts with its stable code, so the HubException's own
/// message is sent, and SignalR's own refusals (arguments that do not bind, unknown methods) get INVALID_INPUT.</item>
/// <item>A message of an unknown type is skipped (as a ping), as the protocols mean to, instead of being taken for an
/// incomplete or oversized one.</item>
/// <item>A message that cannot be read, or is larger than <see cref="MaxMessageSize"/>, closes its connection (SignalR
/// cannot find where the next message starts), with an INVALID_INPUT close reason saying which: SignalR sends the
/// message of a HubException, and only "Connection closed with an error." for any other exception.</item>
/// </list>
/// </summary>
public sealed class JamHubProtocol(IHubProtocol inner) : IHubProtocol
{
    /// <summary>The largest hub message a client may send, in bytes (SignalR's MaximumReceiveMessageSize).</summary>
    public const int MaxMessageSize = 32 * 1024;

    private const string HubExceptionMarker = " HubException: ";
    private const int MaxReasonLength = 200;

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(
        ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        bool parsed;
        var length = input.Length;
        try
        {
            parsed = inner.TryParseMessage(ref input, binder, out message);
        }
        catch (Exception unreadable) when (unreadable is not HubException)
        {
            var why = unreadable.Message.Length > MaxReasonLength ? TextInput.Truncate(unreadable.Message, MaxReasonLength) + "..." : unreadable.Message;
            throw new HubException($"{ErrorCodes.InvalidInput}: The message is not a {Name} hub message ({why}); the connection is closed.");
        }

        // A whole message of a type the protocol does not know: the protocol skips it (for clients of later versions) but
        // says "nothing parsed", which SignalR takes for an incomplete message, or, in a full window, for one over the
        // size limit. Handed on as a ping, it is skipped and nothing else happens.
        if (!parsed && input.Length < length)
        {
            message = PingMessage.Instance;
            return true;
        }

        // SignalR hands over at most MaxMessageSize bytes; when those hold no whole message, the message is larger.
        if (!parsed && input.Length >= MaxMessageSize)
        {
            throw new HubException(string.Create(
                CultureInfo.InvariantCulture,
                $"{ErrorCodes.InvalidInput}: A hub message is at most {MaxMessageSize} bytes; this one is larger, so the connection is closed."));
        }

        return parsed;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        if (message is BatchMessage batch)
        {
            foreach (var one in batch.Messages)
            {
                inner.WriteMessage(one, output);
            }

            return;
        }

        inner.WriteMessage(Coded(message), output);
    }

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        if (message is not BatchMessage)
        {
            return inner.GetMessageBytes(Coded(message));
        }

        var output = new ArrayBufferWriter<byte>(4096);
        WriteMessage(message, output);
        return output.WrittenMemory;
    }

    public static string CodedError(string error)
    {
        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (marker >= 0 && StartsWithCode(error[(marker + HubExceptionMarker.Length)..]) is { } own)
        {
            return own;
        }

        return error.StartsWith("An unexpected error", StringComparison.Ordinal)
            ? $"{ErrorCodes.Unavailable}: {error}"
            : $"{ErrorCodes.InvalidInput}: {error}";
    }

    /// <summary>The text itself when it starts with one of our codes ("NOT_FOUND: ..."), else null.</summary>
    private static string? StartsWithCode(string text)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && text[..colon].All(c => char.IsAsciiLetterUpper(c) || c == '_') ? text : null;
    }

    /// <summary>A close reason from a HubException is its message; any other says only that the server failed.</summary>
    public static string CodedCloseReason(string error)
    {
        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        return marker >= 0 && StartsWithCode(error[(marker + HubExceptionMarker.Length)..]) is { } own
            ? own
            : $"{ErrorCodes.Unavailable}: {error}";
    }

    private static HubMessage Coded(HubMessage message)
    {
        if (message is CloseMessage { Error: { } reason } close)
        {
            return new CloseMessage(CodedCloseReason(reason), close.AllowReconnect);
        }

        if (message is not CompletionMessage { Error: { } error, InvocationId: { } invocationId } completion)
        {
            return message;
        }

        var coded = CompletionMessage.WithError(invocationId, CodedError(error));
        coded.Headers = completion.Headers;
        return coded;
    }

    /// <summary>Wraps every hub protocol registered so far (JSON, MessagePack); MessagePack reads strings strictly.</summary>
    public static void DecorateAll(IServiceCollection services)
    {
        services.Configure<MessagePackHubProtocolOptions>(o => o.SerializerOptions = StrictUtf8Strings.Options);
        var registered = services.Where(d => d.ServiceType == typeof(IHubProtocol)).ToList();
        foreach (var descriptor in registered)
        {
            services.Remove(descriptor);
            var type = descriptor.ImplementationType
                ?? throw new InvalidOperationException("Hub protocols are expected to be registered by type.");
            services.AddSingleton<IHubProtocol>(provider =>
                new JamHubProtocol((IHubProtocol)ActivatorUtilities.CreateInstance(provider, type)));
        }
    }
}
