using JamLoad;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Load;

[Collection(LiveJamCollection.Name)]
public sealed class LeanReceiverTests(JamServerFixture jam)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_lean_receiver_gets_the_same_posts_as_the_official_client(bool messagePack)
    {
        await using var official = await jam.ConnectAsync();
        var room = messagePack ? "media-creativity" : "circular-economy";
        var start = (await official.JoinAsync(room)).LastSeq;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        var metrics = new Metrics(steps: 1);
        var who = await jam.SignInAsync();
        await using var lean = await LeanReceiver.ConnectAsync(
            new Uri(jam.Server.BaseAddress, "hubs/jam"), who.Token, room, invoker, metrics, CancellationToken.None, messagePack)
            .Timely();
        Assert.Equal(start, lean.Baseline);

        var random = new Random(7);
        var acks = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            acks.Add((await official.PostAsync(room, PostBody.Make(0, random))).Seq);
        }

        await official.WaitForPostAsync(p => p.Seq == acks[^1]);
        await Within.EventuallyAsync(() => Task.FromResult(lean.Received.Count == 5), "the lean receiver has all five posts");
        Assert.All(official.Posts.Where(p => p.Seq > start), p => Assert.True(lean.Received.Contains(p.Seq)));
        Assert.Equal(5, metrics.DeliveryLatency(0).Count);
        Assert.Equal(0, metrics.Duplicates);
    }
}
