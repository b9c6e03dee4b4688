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

    private sealed class StringBinder : Microsoft.AspNetCore.SignalR.IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(string)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
