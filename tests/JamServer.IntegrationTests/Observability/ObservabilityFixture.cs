using System.Collections.Concurrent;
using System.Net;
using System.Text;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Observability;

/// <summary>
/// A jam of its own whose server logs JSON at Information and exports traces by OTLP (HTTP, protobuf) to a receiver in
/// the test on loopback; joins are limited to a burst of 2 so that a third one in a row is refused.
/// </summary>
public sealed class ObservabilityFixture : JamServerFixture, IAsyncLifetime
{
    public ObservabilityFixture()
        : this(new OtlpReceiver())
    {
    }

    private ObservabilityFixture(OtlpReceiver receiver)
        : base(new Dictionary<string, string>
        {
            ["Logging__Json"] = "true",
            ["Serilog__MinimumLevel__Default"] = "Information",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Jam__JoinsPerSecond"] = "1",
            ["Jam__JoinBurst"] = "2",
        })
    {
        Traces = receiver;
    }

    public OtlpReceiver Traces { get; }

    /// <summary>The server's /metrics now, as Prometheus reads it.</summary>
    public async Task<Scrape> ScrapeAsync()
    {
        using var http = Server.As();
        return Scrape.Parse(await http.GetStringAsync(new Uri("metrics", UriKind.Relative)).Timely());
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        Traces.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ObservabilityCollection : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "A jam observed";
}

/// <summary>An OTLP/HTTP endpoint on loopback that keeps the bodies of the trace exports it is sent.</summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<byte[]> _exports = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Address = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        _listener.Prefixes.Add(Address + "/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string Address { get; }

    /// <summary>Whether some export so far holds the text (span names and attribute values are plain UTF-8 in protobuf).</summary>
    public bool Received(string text) => Received(Encoding.UTF8.GetBytes(text));

    public bool Received(byte[] bytes) => _exports.Any(body => body.AsSpan().IndexOf(bytes) >= 0);

    public int Count => _exports.Count;

    public void Dispose()
    {
        _listener.Close();
        _ = _serving;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    _exports.Enqueue(body.ToArray());
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}

/// <summary>Prometheus's text format, as sample lines: name, labels, value.</summary>
public sealed class Scrape
{
    private Scrape(IReadOnlyList<(string Name, string Labels, double Value)> samples, string text)
    {
        Samples = samples;
        Text = text;
    }

    public IReadOnlyList<(string Name, string Labels, double Value)> Samples { get; }

    public string Text { get; }

    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The sum of the samples of a name whose labels contain every one given (<c>code="NOT_FOUND"</c>).</summary>
    public double Sum(string name, params string[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    public static Scrape Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp]
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var nameEnd = brace >= 0 ? brace : line.IndexOf(' ', StringComparison.Ordinal);
            var labelsEnd = brace >= 0 ? line.LastIndexOf('}') + 1 : nameEnd;
            var labels = line[nameEnd..labelsEnd];
            var value = line[labelsEnd..].Trim().Split(' ')[0] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, System.Globalization.CultureInfo.InvariantCulture),
            };
            samples.Add((line[..nameEnd], labels, value));
        }

        return new Scrape(samples, text);
    }
}
