using System.Net;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Observability;

public sealed class MetricsPortTests
{
    [Fact]
    public async Task With_a_metrics_port_metrics_answer_there_and_nowhere_else_whatever_the_Host_header_says()
    {
        var metricsPort = ServerProcess.FreePort();
        await using var server = new ServerProcess("t" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{{Port}};http://127.0.0.1:{metricsPort}",
            ["Jam__MetricsPort"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await server.StartAsync();
        using var http = new HttpClient();

        var onPublicPort = await http.GetAsync(new Uri(server.BaseAddress, "metrics")).Timely();
        var onMetricsPort = await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics")).Timely();

        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "metrics"));
        spoofed.Headers.Host = $"127.0.0.1:{metricsPort}";
        var onPublicPortNamingTheMetricsPort = await http.SendAsync(spoofed).Timely();

        Assert.Equal(HttpStatusCode.NotFound, onPublicPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onPublicPortNamingTheMetricsPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onMetricsPort.StatusCode);
        Assert.Contains("jam_connections_open", await onMetricsPort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
