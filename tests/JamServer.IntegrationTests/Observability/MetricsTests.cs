using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class MetricsTests(ObservabilityFixture jam)
{
    private const string Room = "water";

    [Fact]
    public async Task Joins_posts_votes_refusals_and_connections_move_their_counters_fill_the_histograms_and_feed_every_dashboard_query()
    {
        var before = await jam.ScrapeAsync();
        await using var writer = await jam.ConnectAsync();
        await using var reader = await jam.ConnectAsync();
        await using var joiner = await jam.ConnectAsync();
        await writer.JoinAsync(Room);
        await reader.JoinAsync(Room);

        var thread = await writer.PostAsync(Room, "Metrics: a thread to propose");
        for (var i = 0; i < 3; i++)
        {
            await writer.PostAsync(Room, $"Metrics: post {i}");
        }

        await reader.WaitForPostAsync(p => p.Body == "Metrics: post 2").Timely();
        var refused = await Assert.ThrowsAsync<HubException>(() => writer.PostAsync("no-such-room", "Nowhere"));
        Assert.StartsWith(ErrorCodes.NotFound, refused.Message, StringComparison.Ordinal);
        await joiner.JoinAsync(Room);
        await joiner.JoinAsync(Room);
        var limited = await Assert.ThrowsAsync<HubException>(() => joiner.JoinAsync(Room));
        Assert.StartsWith(ErrorCodes.RateLimited, limited.Message, StringComparison.Ordinal);
        using (var http = jam.Server.As())
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("api/no-such-thing", UriKind.Relative)).Timely()).StatusCode);
        }

        var proposal = await writer.ProposeAsync(Room, thread.PostId, "Metrics idea");
        await jam.MoveToAsync("Voting");
        await writer.VoteAsync(proposal.ProposalId);

        Scrape after = before;
        var expected = new (string What, Func<Scrape, bool> Holds)[]
        {
            ("three connections opened", s => Grew(s, "jam_connections_opened_total") >= 3),
            ("connections open now", s => s.Sum("jam_connections_open") >= 3),
            ("four joins answered", s => Grew(s, "jam_room_joins_total") >= 4),
            ("four posts written", s => Grew(s, "jam_posts_written_total") >= 4),
            ("a vote written", s => Grew(s, "jam_votes_written_total") >= 1),
            ("a hub NOT_FOUND", s => Grew(s, "jam_errors_total", "code=\"NOT_FOUND\"", "source=\"hub\"") >= 1),
            ("an HTTP NOT_FOUND", s => Grew(s, "jam_errors_total", "code=\"NOT_FOUND\"", "source=\"http\"") >= 1),
            ("a join rate-limited", s => Grew(s, "jam_rate_limit_rejections_total", "limit=\"joins\"") >= 1),
            ("a RATE_LIMITED error", s => Grew(s, "jam_errors_total", "code=\"RATE_LIMITED\"") >= 1),
            ("deliveries of the posts to the room", s => Grew(s, "jam_post_delivery_duration_seconds_count", "origin=\"local\"") >= 4),
            ("delivery buckets", s => Buckets(s, "jam_post_delivery_duration_seconds_bucket") > 5),
            ("post and vote commits timed", s => Grew(s, "jam_store_commit_duration_seconds_count", "writer=\"post\"") >= 1
                && Grew(s, "jam_store_commit_duration_seconds_count", "writer=\"vote\"") >= 1),
            ("commit buckets", s => Buckets(s, "jam_store_commit_duration_seconds_bucket") > 5),
            ("backplane publishes timed", s => Grew(s, "jam_backplane_publish_duration_seconds_count") >= 1),
            ("SignalR's connections", s => s.Names.Contains("signalr_server_active_connections")),
            ("ASP.NET Core's requests", s => s.Names.Contains("http_server_request_duration_seconds_bucket")),
            ("Kestrel's connections", s => s.Names.Contains("kestrel_active_connections")),
            ("Npgsql's commands", s => s.Names.Contains("db_client_commands_duration_seconds_bucket")),
            ("the runtime's", s => s.Names.Contains("dotnet_gc_collections_total")),
            ("every metric the dashboard queries", s => Dashboard.Queried.All(s.Names.Contains)),
        };
        try
        {
            await Within.EventuallyAsync(
                async () =>
                {
                    after = await jam.ScrapeAsync();
                    return expected.All(e => e.Holds(after));
                },
                "the counters moved");
        }
        catch (TimeoutException)
        {
            var missing = Dashboard.Queried.Where(name => !after.Names.Contains(name));
            Assert.Fail(
                "Not seen: " + string.Join(", ", expected.Where(e => !e.Holds(after)).Select(e => e.What))
                + "\nQueried by the dashboard but not exported: " + string.Join(", ", missing) + "\n" + after.Text);
        }

        double Grew(Scrape now, string name, params string[] labels) => now.Sum(name, labels) - before.Sum(name, labels);
    }

    /// <summary>The other tests of the collection post too: posts refused after this test moved the jam to Voting count nothing.</summary>
    internal static async Task PostWhileDiscussionAsync(JamClient client, string roomId, string body)
    {
        try
        {
            await client.PostAsync(roomId, body);
        }
        catch (HubException closed) when (closed.Message.StartsWith(ErrorCodes.PhaseClosed, StringComparison.Ordinal))
        {
        }
    }

    private static double Buckets(Scrape scrape, string name) => scrape.Samples.Count(s => s.Name == name);
}

/// <summary>deploy/grafana/jamserver-dashboard.json and the metrics its queries read.</summary>
public static partial class Dashboard
{
    public static readonly IReadOnlySet<string> Queried = DashboardMetrics();

    /// <summary>
    /// The metric names in the dashboard's PromQL: what is left after strings, label matchers, ranges and
    /// <c>by (...)</c> lists are taken out, less functions (followed by a parenthesis) and Prometheus's own <c>up</c>.
    /// </summary>
    private static HashSet<string> DashboardMetrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath()));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = Stripped().Replace(target.GetProperty("expr").GetString()!, " ");
                foreach (Match token in Identifier().Matches(expr))
                {
                    if (token.Value != "up" && !expr[(token.Index + token.Length)..].TrimStart().StartsWith('('))
                    {
                        names.Add(token.Value);
                    }
                }
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

    [GeneratedRegex("""\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\b(by|without)\s*\([^)]*\)|\b\d+(\.\d+)?\b""")]
    private static partial Regex Stripped();

    [GeneratedRegex("[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
