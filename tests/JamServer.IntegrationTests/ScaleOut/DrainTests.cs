using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using JamServer.Rooms;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.ScaleOut;

/// <summary>
/// Three server processes behind a balancer of TCP connections; one is stopped with SIGTERM while its clients post and
/// read. Cross-node delivery and presence on three nodes are in <see cref="ThreeNodeTests"/>; a close on two nodes at once
/// in Voting/CloseOnTwoNodesTests.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class DrainTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(3);
    private const string Room = "water";

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_moves_its_clients_to_the_others_loses_no_acknowledged_post_and_exits_0()
    {
        var jamId = "d" + JamClient.NewId()[..10];
        await using var nodeA = Node(jamId, "a");
        await using var nodeB = Node(jamId, "b");
        await using var nodeC = Node(jamId, "c");
        await Task.WhenAll(nodeA.StartAsync(), nodeB.StartAsync(), nodeC.StartAsync());
        await using var balancer = new TcpBalancer(nodeA);
        using var http = nodeB.As();

        // Writers and one reader come in through the balancer while it knows only node A; then B and C join it.
        var writers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            await JamClient.ConnectAsync(balancer.BaseAddress, await http.SignInAsync(), reconnect: true)));
        var movingReader = await RoomCopy.OpenAsync(
            await JamClient.ConnectAsync(balancer.BaseAddress, await http.SignInAsync(), reconnect: true), Room);
        balancer.RouteTo(nodeA, nodeB, nodeC);
        var readerB = await RoomCopy.OpenAsync(await JamClient.ConnectAsync(nodeB.BaseAddress, await http.SignInAsync()), Room);
        var readerC = await RoomCopy.OpenAsync(await JamClient.ConnectAsync(nodeC.BaseAddress, await http.SignInAsync()), Room);
        var readers = new[] { movingReader, readerB, readerC };
        Assert.Equal(7, balancer.RoutedTo(nodeA));

        var sent = new ConcurrentDictionary<string, string>();
        var acked = new ConcurrentDictionary<string, PostAck>();
        var resends = 0;
        using var stop = new CancellationTokenSource();
        var posting = writers.Select((writer, w) => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var request = new PostRequest(Room, null, $"Writer {w} post {i}", $"{w}-{i}");
                sent[request.ClientId!] = request.Body!;
                acked[request.ClientId!] = await PostUntilAnsweredAsync(writer, request, () => Interlocked.Increment(ref resends));
                await Task.Delay(20);
            }
        })).ToList();

        await Within.EventuallyAsync(() => Task.FromResult(acked.Count >= 60), "60 posts are acknowledged");
        var drainStarted = Stopwatch.StartNew();
        var exiting = nodeA.TerminateAsync(DrainTime + TimeSpan.FromSeconds(20));

        // At once: not ready, still alive, and a new hub connection is sent away with 503 UNAVAILABLE.
        using var httpA = nodeA.As();
        await Within.EventuallyAsync(
            async () => (await httpA.GetAsync("health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            "node A says it is not ready", TimeSpan.FromSeconds(2));
        var notReadyAfter = drainStarted.Elapsed;
        Assert.Equal(HttpStatusCode.OK, (await httpA.GetAsync("health/live").Timely()).StatusCode);
        using var fresh = nodeA.As(await http.SignInAsync());
        var refused = await fresh.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null).Timely();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(ErrorCodes.Unavailable, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);

        var (exitCode, took) = await exiting;
        output.WriteLine($"Node A: not ready after {notReadyAfter.TotalMilliseconds:F0} ms, exited {exitCode} after {took.TotalSeconds:F1} s");
        Assert.Equal(0, exitCode);
        Assert.InRange(took, DrainTime / 2, DrainTime + TimeSpan.FromSeconds(15));

        // The writers go on from nodes B and C for a moment, then stop; whatever was unanswered was sent again.
        var ackedAtExit = acked.Count;
        await Within.EventuallyAsync(() => Task.FromResult(acked.Count >= ackedAtExit + 60), "60 more posts are acknowledged after the drain");
        await stop.CancelAsync();
        await Task.WhenAll(posting).Timely(TimeSpan.FromSeconds(30));

        var stored = await ReadAllAsync(nodeC, http);
        var storedById = stored.ToDictionary(p => p.PostId);
        Assert.Equal(sent.Count, acked.Count);
        Assert.All(acked.Values, ack => Assert.Equal(ack.Seq, storedById[ack.PostId].Seq));
        Assert.Equal(acked.Count, stored.Count);
        Assert.Equal(sent.Values.Order(), stored.Select(p => p.Body).Order());
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (long)i), stored.Select(p => p.Seq));

        foreach (var reader in readers)
        {
            await reader.CatchUpAsync();
            Assert.Equal(stored.Select(p => (p.Seq, p.PostId)), reader.Posts.Values.OrderBy(p => p.Seq).Select(p => (p.Seq, p.PostId)));
        }

        Assert.True(movingReader.Reconnects >= 1, "the reader on node A reconnected");
        Assert.All(writers, w => Assert.Equal(HubConnectionState.Connected, w.Connection.State));
        output.WriteLine(
            $"Posts: sent {sent.Count}, acknowledged {acked.Count}, stored {stored.Count}, lost {acked.Keys.Count(id => !storedById.ContainsKey(acked[id].PostId))}, " +
            $"sent again after a drop {resends}; acknowledged before the exit {ackedAtExit}");
        output.WriteLine(
            $"Readers: {string.Join(", ", readers.Select(r => $"{r.Posts.Count} held, {r.OnlyCaughtUp} only by catch-up, {r.Reconnects} reconnects"))}");
        output.WriteLine($"Balancer: {balancer.RoutedTo(nodeA)} connections to A, {balancer.RoutedTo(nodeB)} to B, {balancer.RoutedTo(nodeC)} to C");
        Assert.True(balancer.RoutedTo(nodeB) + balancer.RoutedTo(nodeC) >= 7, "the drained clients reconnected to B and C");

        // Node A took its share of presence with it: the room holds the three readers, counted on B and C alike.
        await Within.EventuallyAsync(async () => await OnlineAsync(nodeB, Room) == 3 && await OnlineAsync(nodeC, Room) == 3, "the room counts its three readers");

        foreach (var client in writers.Concat(readers.Select(r => r.Client)))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_while_Redis_is_away_lets_its_clients_reconnect_keeps_its_posts_and_exits_0_at_once()
    {
        await using var redis = await OwnRedis.StartAsync();
        var jamId = "e" + JamClient.NewId()[..10];
        await using var node = new ServerProcess(jamId, new Dictionary<string, string>
        {
            ["Jam__DrainTime"] = DrainTime.ToString(),
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
        });
        await node.StartAsync();
        using var http = node.As();
        var writer = await JamClient.ConnectAsync(node.BaseAddress, await http.SignInAsync(), reconnect: true);
        var acks = new List<PostAck> { await writer.PostAsync(Room, "Before Redis went away") };
        await redis.KillAsync();
        for (var i = 0; i < 5; i++)
        {
            acks.Add(await writer.PostAsync(Room, $"While Redis is away #{i}"));
        }

        var closed = new TaskCompletionSource();
        writer.Connection.Reconnecting += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        var (exitCode, took) = await node.TerminateAsync(DrainTime + TimeSpan.FromSeconds(20));
        output.WriteLine($"With Redis away the node exited {exitCode} after {took.TotalSeconds:F1} s");
        Assert.Equal(0, exitCode);
        Assert.InRange(took, TimeSpan.Zero, DrainTime + TimeSpan.FromSeconds(8));
        await closed.Task.Timely();

        // The posts are in the store, where the next node finds them.
        await using var next = new ServerProcess(jamId, new Dictionary<string, string> { ["Jam__NodeId"] = jamId + "-next" });
        await next.StartAsync();
        using var nextHttp = next.As();
        var stored = await ReadAllAsync(next, nextHttp);
        Assert.Equal(acks.Select(a => (a.Seq, a.PostId)), stored.Select(p => (p.Seq, p.PostId)));
        await writer.DisposeAsync();
    }

    private static ServerProcess Node(string jamId, string name) => new(jamId, new Dictionary<string, string>
    {
        ["Jam__NodeId"] = $"{jamId}-{name}",
        ["Jam__DrainTime"] = DrainTime.ToString(),
        ["Jam__PostsPerSecond"] = "1000",
        ["Jam__PostBurst"] = "1000",
    });

    /// <summary>As the web client does: an unanswered post is sent again, same clientId, once the connection is back.</summary>
    private static async Task<PostAck> PostUntilAnsweredAsync(JamClient writer, PostRequest request, Action resent)
    {
        var deadline = DateTime.UtcNow + Within.Default;
        while (true)
        {
            try
            {
                return await writer.Connection.InvokeAsync<PostAck>("Post", request).Timely(TimeSpan.FromSeconds(5));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                resent();
                while (writer.Connection.State != HubConnectionState.Connected && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    private static async Task<List<PostDto>> ReadAllAsync(ServerProcess node, HttpClient http)
    {
        await using var reader = await JamClient.ConnectAsync(node.BaseAddress, await http.SignInAsync());
        var all = new List<PostDto>();
        while (true)
        {
            var page = await reader.JoinAsync(Room, all.Count == 0 ? 0 : all[^1].Seq);
            all.AddRange(page.Posts);
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    private static async Task<long> OnlineAsync(ServerProcess node, string roomId)
    {
        using var http = node.As();
        var rooms = await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely();
        return rooms!.Single(r => r.Id == roomId).Online;
    }
}
