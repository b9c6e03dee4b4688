using System.Collections.Concurrent;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Discussion;

[Collection(TimingSensitiveCollection.Name)]
public sealed class ServerCrashTests
{
    [Fact]
    public async Task A_server_killed_mid_discussion_loses_no_acknowledged_post_a_resend_stores_none_twice_and_a_reader_resumes_from_its_last_seq()
    {
        await using var server = new ServerProcess("k" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__PostsPerSecond"] = "1000",
            ["Jam__PostBurst"] = "1000",
        });
        await server.StartAsync();
        using var http = server.As();
        var writers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.SignInAsync()));
        var acknowledged = new ConcurrentDictionary<string, PostAck>();
        var unanswered = new ConcurrentDictionary<string, (SignedIn Who, string Body)>();

        // A reader in the room takes the live stream until the crash, then resumes from the last seq it holds.
        var readerWho = await http.SignInAsync();
        var reader = await JamClient.ConnectAsync(server.BaseAddress, readerWho);
        await reader.JoinAsync("ai-assistants", 0);
        var clients = await Task.WhenAll(writers.Select(w => JamClient.ConnectAsync(server.BaseAddress, w)));
        using var stop = new CancellationTokenSource();
        var posting = clients.Select((client, n) => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var clientId = $"{n}-{i}";
                var body = $"Writer {n} post {i}";
                unanswered[clientId] = (client.Who, body);
                try
                {
                    acknowledged[clientId] = await client.Connection.InvokeAsync<PostAck>(
                        "Post", new PostRequest("ai-assistants", null, body, clientId));
                    unanswered.TryRemove(clientId, out _);
                }
                catch (Exception)
                {
                    // The server died under this call: it stays unanswered, and is sent again after the restart.
                    return;
                }
            }
        })).ToList();

        await Within.EventuallyAsync(() => Task.FromResult(acknowledged.Count >= 200), "200 posts are acknowledged");
        await server.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(posting).Timely();
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        var heldBeforeCrash = reader.Posts.Select(p => p.Seq).ToHashSet();
        await reader.DisposeAsync();

        await server.StartAsync();
        await using var resender = await JamClient.ConnectAsync(server.BaseAddress, writers[0]);
        foreach (var (clientId, (who, body)) in unanswered)
        {
            await using var again = await JamClient.ConnectAsync(server.BaseAddress, who);
            acknowledged[clientId] = await again.Connection.InvokeAsync<PostAck>(
                "Post", new PostRequest("ai-assistants", null, body, clientId)).Timely();
        }

        // The reader comes back and asks for what follows the last seq it holds without a gap, as a client must.
        var lastHeld = 0L;
        while (heldBeforeCrash.Contains(lastHeld + 1))
        {
            lastHeld++;
        }

        Assert.True(lastHeld > 0, "the reader got no post live before the crash");
        await using var resumed = await JamClient.ConnectAsync(server.BaseAddress, readerWho);
        var caughtUp = new List<PostDto>();
        for (var after = lastHeld; ;)
        {
            var page = await resumed.JoinAsync("ai-assistants", after);
            caughtUp.AddRange(page.Posts);
            after = page.LastSeq;
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(caughtUp.Count, caughtUp.Select(p => p.Seq).Distinct().Count());
        Assert.All(caughtUp, p => Assert.True(p.Seq > lastHeld));
        var readerHolds = heldBeforeCrash.Where(seq => seq <= lastHeld).Concat(caughtUp.Select(p => p.Seq)).ToHashSet();
        Assert.Equal(acknowledged.Values.Select(a => a.Seq).Order(), readerHolds.Order());

        var stored = await resender.JoinAsync("ai-assistants", 0);
        Assert.False(stored.HasMore);
        var storedById = stored.Posts.ToDictionary(p => p.PostId);
        Assert.All(acknowledged.Values, ack => Assert.Equal(ack.Seq, storedById[ack.PostId].Seq));
        Assert.Equal(acknowledged.Count, stored.Posts.Count);
        Assert.Equal(stored.Posts.Count, stored.Posts.Select(p => p.Body).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, stored.Posts.Count).Select(i => (long)i), stored.Posts.Select(p => p.Seq));
        var rooms = await http.GetFromJsonAsync<List<JamServer.Rooms.RoomDto>>("api/rooms").Timely();
        Assert.Equal(stored.Posts.Count, rooms!.Single(r => r.Id == "ai-assistants").Posts);
    }
}
