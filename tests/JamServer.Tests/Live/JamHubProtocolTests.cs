using System.Buffers;
using System.Text;
using JamServer.Live;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace JamServer.Tests.Live;

public sealed class JamHubProtocolTests
{
    [Theory]
    [InlineData("An unexpected error occurred invoking 'Post' on the server. HubException: NOT_FOUND: There is no room 'x'.", "NOT_FOUND: There is no room 'x'.")]
    [InlineData("Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.", "INVALID_INPUT: Failed to invoke 'NoSuchMethod' due to an error on the server. HubException: Method does not exist.")]
    [InlineData("Failed to invoke 'JoinRoom' due to an error on the server.", "INVALID_INPUT: Failed to invoke 'JoinRoom' due to an error on the server.")]
    [InlineData("An unexpected error occurred invoking 'Post' on the server.", "UNAVAILABLE: An unexpected error occurred invoking 'Post' on the server.")]
    public void Every_hub_error_starts_with_a_stable_code(string signalRError, string sent)
    {
        Assert.Equal(sent, JamHubProtocol.CodedError(signalRError));
    }

    [Fact]
    public void A_batch_is_written_as_its_messages_one_after_another_in_one_buffer()
    {
        var protocol = new JamHubProtocol(new JsonHubProtocol());
        var one = new InvocationMessage("PostAdded", ["first"]);
        var two = new InvocationMessage("PostAdded", ["second"]);

        var bytes = Encoding.UTF8.GetString(protocol.GetMessageBytes(new BatchMessage([one, two])).Span);

        var records = bytes.Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, records.Length);
        Assert.Contains("\"first\"", records[0], StringComparison.Ordinal);
        Assert.Contains("\"second\"", records[1], StringComparison.Ordinal);
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(bytes));
        Assert.True(protocol.TryParseMessage(ref input, new StringBinder(), out var parsed));
        Assert.Equal("first", ((InvocationMessage)parsed!).Arguments[0]);
    }

    [Fact]
    public void A_message_larger_than_the_limit_is_refused_with_a_coded_reason()
    {
        var protocol = new JamHubProtocol(new JsonHubProtocol());
        var big = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Post\",\"arguments\":[\"" + new string('x', JamHubProtocol.MaxMessageSize) + "\"]}\u001e");

        // SignalR hands the protocol a window of the limit's size.
        var window = new ReadOnlySequence<byte>(big, 0, JamHubProtocol.MaxMessageSize);
        var refused = Assert.Throws<Microsoft.AspNetCore.SignalR.HubException>(() => protocol.TryParseMessage(ref window, new StringBinder(), out _));

        Assert.StartsWith("INVALID_INPUT: A hub message is at most 32768 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_part_of_a_message_below_the_limit_waits_for_the_rest()
    {
        var protocol = new JamHubProtocol(new JsonHubProtocol());
        var part = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"Po"));

        Assert.False(protocol.TryParseMessage(ref part, new StringBinder(), out _));
    }

    [Fact]
    public void A_message_of_an_unknown_type_is_skipped_as_a_ping_and_the_next_one_is_read()
    {
        var protocol = new JamHubProtocol(new JsonHubProtocol());
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(
            "{\"type\":75,\"whatever\":1}\u001e{\"type\":1,\"target\":\"Post\",\"arguments\":[\"x\"]}\u001e"));

        Assert.True(protocol.TryParseMessage(ref input, new StringBinder(), out var skipped));
        Assert.IsType<PingMessage>(skipped);
        Assert.True(protocol.TryParseMessage(ref input, new StringBinder(), out var next));
        Assert.Equal("Post", ((InvocationMessage)next!).Target);
        Assert.True(input.IsEmpty);
    }

    [Theory]
    [InlineData("not json\u001e")]
    [InlineData("{\"type\":\"one\"}\u001e")]
    [InlineData("[1,2,3]\u001e")]
    public void A_message_that_cannot_be_read_is_refused_with_a_coded_reason(string frame)
    {
        var protocol = new JamHubProtocol(new JsonHubProtocol());
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(frame));

        var refused = Assert.Throws<Microsoft.AspNetCore.SignalR.HubException>(() => protocol.TryParseMessage(ref input, new StringBinder(), out _));

        Assert.StartsWith("INVALID_INPUT: The message is not a json hub message (", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection closed with an error. HubException: INVALID_INPUT: A hub message is at most 32768 bytes.", "INVALID_INPUT: A hub message is at most 32768 bytes.")]
    [InlineData("Connection closed with an error.", "UNAVAILABLE: Connection closed with an error.")]
    public void A_close_reason_carries_a_stable_code(string signalRReason, string sent)
    {
        Assert.Equal(sent, JamHubProtocol.CodedCloseReason(signalRReason));
    }

    [Fact]
    public void A_messagepack_string_that_is_not_utf8_does_not_bind_while_an_emoji_does()
    {
        var options = StrictUtf8Strings.Options;
        byte[] lone = [0xa4, 0x78, 0xed, 0xa0, 0x80];
        byte[] emoji = [0xa4, 0xf0, 0x9f, 0x8c, 0x8a];

        Assert.ThrowsAny<Exception>(() => MessagePack.MessagePackSerializer.Deserialize<string>(lone, options));
        Assert.Equal("\ud83c\udf0a", MessagePack.MessagePackSerializer.Deserialize<string>(emoji, options));
        Assert.Equal("x\ufffd\ufffd\ufffd".Length, MessagePack.MessagePackSerializer.Deserialize<string>(lone).Length);
    }

    private sealed class StringBinder : Microsoft.AspNetCore.SignalR.IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(string)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
