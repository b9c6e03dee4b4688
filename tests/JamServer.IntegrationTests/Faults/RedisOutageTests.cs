using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Faults;

/// <summary>A Redis of the test's own, so the test can stop and start it under a running server.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class RedisOutageTests
{
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
}
