using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using JamServer.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace JamServer.Live;

/// <summary>
/// SignalR prefixes every hub error with "An unexpected error occurred invoking 'X' on the server. HubException: ".
/// Our contract is that a hub error starts with its stable code, so this protocol decorator sends the
/// <see cref="HubException"/>'s own message, and gives SignalR's own refusals (arguments that do not bind, unknown
/// methods) the code INVALID_INPUT.
/// </summary>
public sealed class CodedErrorProtocol(IHubProtocol inner) : IHubProtocol
{
    private const string HubExceptionMarker = " HubException: ";

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(
        ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Coded(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Coded(message));

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

    private static HubMessage Coded(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error, InvocationId: { } invocationId } completion)
        {
            return message;
        }

        var coded = CompletionMessage.WithError(invocationId, CodedError(error));
        coded.Headers = completion.Headers;
        return coded;
    }

    /// <summary>Wraps every hub protocol registered so far (JSON, MessagePack).</summary>
    public static void DecorateAll(IServiceCollection services)
    {
        var registered = services.Where(d => d.ServiceType == typeof(IHubProtocol)).ToList();
        foreach (var descriptor in registered)
        {
            services.Remove(descriptor);
            var type = descriptor.ImplementationType
                ?? throw new InvalidOperationException("Hub protocols are expected to be registered by type.");
            services.AddSingleton<IHubProtocol>(provider =>
                new CodedErrorProtocol((IHubProtocol)ActivatorUtilities.CreateInstance(provider, type)));
        }
    }
}
