using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using JamServer.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace JamServer.Tests.Infrastructure;

/// <summary>deploy/grafana/jamserver-dashboard.json: valid, on a Prometheus chosen by a variable, over the server's own metrics.</summary>
public sealed partial class DashboardTests
{
    private static readonly JsonDocument Dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath()));

    [Fact]
    public void The_dashboard_is_json_whose_panels_each_query_the_prometheus_chosen_by_its_datasource_variable()
    {
        var root = Dashboard.RootElement;
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource"
            && v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");

        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"{title} has no query");
            Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"{title} has an empty query"));
            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
        }
    }

    [Fact]
    public void Every_jam_metric_the_dashboard_queries_is_an_instrument_of_the_JamServer_meter_as_prometheus_names_it()
    {
        var exported = PrometheusNamesOfJamInstruments();
        var queried = JamMetric().Matches(File.ReadAllText(DashboardPath())).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(queried);
        Assert.Empty(queried.Except(exported));
    }

    /// <summary>As the OpenTelemetry Prometheus exporter names them: dots to underscores, the unit, _total, the histogram series.</summary>
    private static HashSet<string> PrometheusNamesOfJamInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == JamMetrics.Name)
                {
                    instruments.Add(instrument);
                }
            },
        };
        listener.Start();
        _ = new JamMetrics(services.GetRequiredService<IMeterFactory>());

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instrument in instruments)
        {
            var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");
            var type = instrument.GetType().GetGenericTypeDefinition();
            if (type == typeof(Counter<>))
            {
                names.Add(name + "_total");
            }
            else if (type == typeof(Histogram<>))
            {
                names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
            }
            else
            {
                names.Add(name);
            }
        }

        return names;
    }

    private static string DashboardPath()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "JamServer.sln")))
        {
            root = root.Parent;
        }

        return Path.Combine(root!.FullName, "deploy", "grafana", "jamserver-dashboard.json");
    }

    [GeneratedRegex(@"\bjam_[a-z0-9_]+")]
    private static partial Regex JamMetric();
}
