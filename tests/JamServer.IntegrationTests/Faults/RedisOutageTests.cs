using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using JamServer.Rooms;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>A Redis of the test's own, so the test can stop and start it under a running server.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    /// <summary>How long a read of the rooms or proposals may take while Redis hangs or is down.</summary>
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(2);

    private static Process StartRedis(int port)
    {
        var redis = Process.Start(new ProcessStartInfo("redis-server",
            $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        redis.BeginOutputReadLine();
        return redis;
    }

    private static async Task WaitForRedisAsync(int port)
    {
        await Within.EventuallyAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "Redis listens");
    }

    private static async Task<string> ReadinessAsync(HttpClient http) =>
        await (await http.GetAsync(new Uri("health/ready", UriKind.Relative))).Content.ReadAsStringAsync();

    [Fact]
    public async Task Posting_goes_on_while_Redis_is_down_the_node_says_degraded_and_it_is_healthy_again_when_Redis_returns()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var redis = StartRedis(port);
        try
        {
            await WaitForRedisAsync(port);
            await using var server = new ServerProcess("r" + JamClient.NewId()[..10], new Dictionary<string, string>
            {
                ["ConnectionStrings__Redis"] = $"127.0.0.1:{port},abortConnect=false,connectTimeout=1000,syncTimeout=1000",
            });
            await server.StartAsync();
            using var http = server.As();
            await using var writer = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync());
            await using var reader = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync());
            await reader.JoinAsync("water");
            var acks = new List<PostAck> { await writer.PostAsync("water", "Before Redis went away") };

            redis.Kill();
            await redis.WaitForExitAsync().Timely();
            for (var i = 0; i < 5; i++)
            {
                acks.Add(await writer.PostAsync("water", $"While Redis is away #{i}"));
            }

            await reader.WaitForPostAsync(p => p.PostId == acks[^1].PostId);
            await Within.EventuallyAsync(async () => await ReadinessAsync(http) == "Degraded", "the node reports degraded");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("health/ready", UriKind.Relative)).Timely()).StatusCode);

            redis = StartRedis(port);
            await WaitForRedisAsync(port);
            await Within.EventuallyAsync(async () => await ReadinessAsync(http) == "Healthy", "the node is healthy again", TimeSpan.FromSeconds(30));
            acks.Add(await writer.PostAsync("water", "Redis is back"));
            await reader.WaitForPostAsync(p => p.PostId == acks[^1].PostId);

            using var signedIn = server.As(writer.Who);
            var stored = await signedIn.GetFromJsonAsync<List<PostDto>>("api/rooms/water/posts?limit=1000").Timely();
            Assert.Equal(acks.Select(a => a.PostId).Order(), stored!.Select(p => p.PostId).Order());
        }
        finally
        {
            if (!redis.HasExited)
            {
                redis.Kill();
            }

            redis.Dispose();
        }
    }

    [Fact]
    public async Task While_Redis_hangs_and_then_is_down_rooms_and_proposals_answer_at_once_without_live_figures_every_post_and_vote_succeeds_and_the_figures_return_with_Redis()
    {
        await using var redis = await OwnRedis.StartAsync();

        // The Redis client's own timeouts, as deployed: 5 s, past the store pipeline's 3 s.
        await using var server = new ServerProcess("h" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionStringAsDeployed,
        });
        await server.StartAsync();
        using var http = server.As();

        var proposals = new List<string>();
        await using (var author = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync()))
        {
            for (var i = 0; i < 3; i++)
            {
                var thread = await author.PostAsync("energy-grids", $"Idea {i}");
                proposals.Add((await author.ProposeAsync("energy-grids", thread.PostId, $"Idea {i}")).ProposalId);
            }
        }

        using var organizer = server.As(await http.SignInAsync("organizer"));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();

        // Everyone connects before the fault: opening a connection is not what this test is about.
        await using var member = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync());
        await member.JoinAsync("water");
        await using var writer = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync());
        var voters = new List<JamClient>();
        for (var i = 0; i < 3; i++)
        {
            voters.Add(await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync()));
        }

        using var reader = server.As(member.Who);
        var votes = proposals.ToDictionary(p => p, _ => 0L, StringComparer.Ordinal);
        await voters[0].VoteAsync(proposals[0]);
        votes[proposals[0]]++;
        await Within.EventuallyAsync(async () => await FiguresAsync(reader) == (Sum(votes), 1), "the live figures show before the fault");

        var acknowledged = 0;
        async Task FaultAsync(string fault, JamClient voter)
        {
            var started = DateTime.UtcNow;
            var reads = new List<(HttpStatusCode Status, TimeSpan Took, long Support, long Online)>();
            async Task ReadAsync(string path)
            {
                var watch = Stopwatch.StartNew();
                using var response = await reader.GetAsync(new Uri(path, UriKind.Relative)).Timely();
                var took = watch.Elapsed;
                long support = 0, online = 0;
                if (response.IsSuccessStatusCode)
                {
                    if (path == "api/proposals")
                    {
                        support = (await response.Content.ReadFromJsonAsync<List<ProposalDto>>().Timely())!.Sum(p => p.Support);
                    }
                    else
                    {
                        online = (await response.Content.ReadFromJsonAsync<List<RoomDto>>().Timely())!.Sum(r => r.Online);
                    }
                }

                lock (reads)
                {
                    reads.Add((response.StatusCode, took, support, online));
                }
            }

            // Three rounds of ten of each read in parallel, while a participant posts and another votes.
            var reading = Task.Run(async () =>
            {
                for (var round = 0; round < 3; round++)
                {
                    await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(_ => new[] { ReadAsync("api/proposals"), ReadAsync("api/rooms") }));
                }
            });
            var writing = Task.Run(async () =>
            {
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < 5; i++)
                {
                    await writer.PostAsync("water", $"While Redis {fault} #{i}");
                    Interlocked.Increment(ref acknowledged);
                    if (i < 2)
                    {
                        await voter.VoteAsync(proposals[i + 1]);
                        votes[proposals[i + 1]]++;
                    }
                }

                return watch.Elapsed;
            });
            await Task.WhenAll(reading, writing).Timely(TimeSpan.FromSeconds(60));
            var readingTook = DateTime.UtcNow - started;
            await Within.EventuallyAsync(async () => await ReadinessAsync(http) == "Degraded", $"the node reports degraded while Redis {fault}");

            output.WriteLine($"Redis {fault}: {reads.Count} reads, all {string.Join(", ", reads.Select(r => (int)r.Status).Distinct())}, " +
                $"slowest {reads.Max(r => r.Took).TotalMilliseconds:0} ms, median {reads.Select(r => r.Took).Order().ElementAt(reads.Count / 2).TotalMilliseconds:0} ms; " +
                $"3 rounds in {readingTook.TotalSeconds:0.0} s; 5 posts and 2 votes acknowledged in {(await writing).TotalSeconds:0.0} s");
            Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.Status));
            Assert.All(reads, r => Assert.True(r.Took < ReadBound, $"A read took {r.Took.TotalMilliseconds:0} ms while Redis {fault}."));
            Assert.All(reads, r => Assert.Equal((0L, 0L), (r.Support, r.Online)));
        }

        await redis.PauseAsync();
        await FaultAsync("hangs", voters[1]);
        await redis.KillAsync();
        await FaultAsync("is down", voters[2]);

        // The store's circuit never opened: Redis is not the store.
        Assert.DoesNotContain("The store is failing", server.Output, StringComparison.Ordinal);

        // Back, empty: the live ranking is replayed from the store and presence written again.
        await redis.StartAgainAsync();
        var back = DateTime.UtcNow;
        await Within.EventuallyAsync(async () => await ReadinessAsync(http) == "Healthy", "the node is healthy again", TimeSpan.FromSeconds(30));
        await Within.EventuallyAsync(async () => await FiguresAsync(reader) == (Sum(votes), 1), "the live figures are back", TimeSpan.FromSeconds(30));
        output.WriteLine($"Figures back {(DateTime.UtcNow - back).TotalSeconds:0.0} s after Redis listened again; votes acknowledged {Sum(votes)}, counted live {Sum(votes)}");
        var live = (await reader.GetFromJsonAsync<List<ProposalDto>>("api/proposals").Timely())!;
        Assert.All(live, p => Assert.Equal(votes[p.ProposalId], p.Support));

        var stored = await reader.GetFromJsonAsync<List<PostDto>>("api/rooms/water/posts?limit=1000").Timely();
        Assert.Equal(acknowledged, stored!.Count);
        output.WriteLine($"Posts: acknowledged {acknowledged}, stored {stored.Count}");
        foreach (var voter in voters)
        {
            await voter.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_rebuild_of_the_live_ranking_during_which_Redis_restarted_empty_is_not_marked_complete_and_runs_again()
    {
        await using var redis = await OwnRedis.StartAsync();
        var jamId = "b" + JamClient.NewId()[..10];
        await using var server = new ServerProcess(jamId, new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["Jam__Testing__RebuildDelay"] = "00:00:03",
        });
        await server.StartAsync();
        using var http = server.As();
        var proposals = new List<string>();
        await using var author = await JamClient.ConnectAsync(server.BaseAddress, await http.SignInAsync());
        for (var i = 0; i < 2; i++)
        {
            var thread = await author.PostAsync("water", $"Idea {i}");
            proposals.Add((await author.ProposeAsync("water", thread.PostId, $"Idea {i}")).ProposalId);
        }

        using var organizer = server.As(await http.SignInAsync("organizer"));
        (await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();
        foreach (var proposal in proposals)
        {
            await author.VoteAsync(proposal);
        }

        using var reader = server.As(author.Who);
        await Within.EventuallyAsync(async () => await SupportAsync(reader) == proposals.Count, "the votes count live");

        await using var probe = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},abortConnect=false,connectTimeout=1000,syncTimeout=1000");
        var prefix = $"jam:{jamId}:tally:";
        async Task<bool> ReplayedAsync()
        {
            try
            {
                var db = probe.GetDatabase();
                return await db.KeyExistsAsync(prefix + "rebuilding") && await db.SortedSetLengthAsync(prefix + "ranking") == proposals.Count;
            }
            catch (RedisException)
            {
                return false;
            }
        }

        // Redis restarts empty: the node replays the votes, and holds before marking the ranking complete...
        await redis.KillAsync();
        await redis.StartAgainAsync();
        await Within.EventuallyAsync(ReplayedAsync, "a rebuild has replayed the votes and not yet marked them complete", TimeSpan.FromSeconds(30));

        // ...when Redis restarts empty again. That rebuild must not mark the empty ranking complete.
        await redis.KillAsync();
        await redis.StartAgainAsync();
        await Within.EventuallyAsync(async () => await SupportAsync(reader) == proposals.Count, "the votes count live again", TimeSpan.FromSeconds(30));
        await Within.EventuallyAsync(async () => await probe.GetDatabase().KeyExistsAsync(prefix + "complete"), "the ranking is marked complete", TimeSpan.FromSeconds(10));
        Assert.Contains("its marker is gone", server.Output, StringComparison.Ordinal);
    }

    private static long Sum(Dictionary<string, long> votes) => votes.Values.Sum();

    private static async Task<(long Support, long Online)> FiguresAsync(HttpClient http)
    {
        var support = await SupportAsync(http);
        var online = (await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely())!.Single(r => r.Id == "water").Online;
        return (support, online);
    }

    private static async Task<long> SupportAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals").Timely())!.Sum(p => p.Support);
}
