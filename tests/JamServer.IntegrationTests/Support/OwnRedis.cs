using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace JamServer.IntegrationTests.Support;

/// <summary>
/// A Redis of the test's own on a free loopback port, without persistence, so a test can stop it under running
/// servers and start it again empty.
/// </summary>
public sealed class OwnRedis : IAsyncDisposable
{
    private Process? _process;

    private OwnRedis(int port) => Port = port;

    public int Port { get; }

    /// <summary>For a server's ConnectionStrings__Redis: short timeouts, so an outage shows within a second.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000,syncTimeout=1000";

    /// <summary>As deployed: the Redis client's own timeouts (5 s), longer than the store pipeline's.</summary>
    public string ConnectionStringAsDeployed => $"127.0.0.1:{Port},abortConnect=false";

    public static async Task<OwnRedis> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var redis = new OwnRedis(port);
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts it (again), empty, and waits until it listens.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.BeginOutputReadLine();
        await Within.EventuallyAsync(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "Redis listens");
    }

    /// <summary>SIGSTOP: it hangs, its connections stay open and nothing answers.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: it answers again, what it held intact.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process!.Id}");
        await kill.WaitForExitAsync().Timely();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL: what it held is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync().Timely();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
