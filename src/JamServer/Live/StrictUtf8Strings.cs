using System.Text;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.Live;

/// <summary>
/// MessagePack strings read as strict UTF-8. MessagePack's own reader turns bytes that are not UTF-8 (such as an
/// encoded lone surrogate) into U+FFFD without a word; here they fail to bind, so the call gets INVALID_INPUT as the
/// same text sent over JSON does.
/// </summary>
public sealed class StrictUtf8Strings : IMessagePackFormatter<string?>
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>SignalR's default options (its resolvers, untrusted-data security) with strings read by this formatter.</summary>
    public static readonly MessagePackSerializerOptions Options = CreateOptions();

    public void Serialize(ref MessagePackWriter writer, string? value, MessagePackSerializerOptions options) => writer.Write(value);

    public string? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.ReadStringSequence() is { } utf8 ? Strict.GetString(utf8) : null;

    private static MessagePackSerializerOptions CreateOptions()
    {
        var defaults = new MessagePackHubProtocolOptions().SerializerOptions;
        return defaults.WithResolver(CompositeResolver.Create([new StrictUtf8Strings()], [defaults.Resolver]));
    }
}
