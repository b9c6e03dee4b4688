using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace JamServer.IntegrationTests.Support;

/// <summary>
/// A load balancer of TCP connections on loopback, as a Kubernetes Service is: each new connection goes whole to the
/// next node, round robin, among those whose /health/ready answered 200 at the last look (every 200 ms).
/// </summary>
public sealed class TcpBalancer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, bool> _ready = new();
    private readonly ConcurrentDictionary<int, int> _routed = new();
    private readonly Task _accepting;
    private readonly Task _watching;
    private ServerProcess[] _nodes;
    private int _next;

    public TcpBalancer(params ServerProcess[] nodes)
    {
        _nodes = nodes;
        _listener.Start();
        _accepting = AcceptAsync();
        _watching = WatchAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>From now on new connections go to these nodes.</summary>
    public void RouteTo(params ServerProcess[] nodes) => Volatile.Write(ref _nodes, nodes);

    /// <summary>Connections sent to the node on this port so far.</summary>
    public int RoutedTo(ServerProcess node) => _routed.GetValueOrDefault(node.Port);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => PipeAsync(client));
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            var nodes = Volatile.Read(ref _nodes);
            var ready = nodes.Where(n => _ready.GetValueOrDefault(n.Port, true)).ToArray();
            var pool = ready.Length > 0 ? ready : nodes;
            var node = pool[(int)((uint)Interlocked.Increment(ref _next) % (uint)pool.Length)];
            _routed.AddOrUpdate(node.Port, 1, (_, n) => n + 1);
            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, node.Port, _stop.Token);
                using var ends = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var down = client.GetStream().CopyToAsync(upstream.GetStream(), ends.Token);
                var up = upstream.GetStream().CopyToAsync(client.GetStream(), ends.Token);
                await Task.WhenAny(down, up);
                await ends.CancelAsync();
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Either end went away: so does the other.
            }
        }
    }

    private async Task WatchAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (!_stop.IsCancellationRequested)
        {
            foreach (var node in Volatile.Read(ref _nodes))
            {
                try
                {
                    _ready[node.Port] = (await http.GetAsync(new Uri(node.BaseAddress, "health/ready"), _stop.Token)).IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    _ready[node.Port] = false;
                }
            }

            await Task.Delay(200, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
#pragma warning disable VSTHRD003 // The balancer's own loops, started by its constructor.
        await Task.WhenAll(_accepting, _watching).Timely();
#pragma warning restore VSTHRD003
        _stop.Dispose();
    }
}
