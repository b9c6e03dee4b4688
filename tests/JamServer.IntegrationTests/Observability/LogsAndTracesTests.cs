using System.Text.Json;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class LogsAndTracesTests(ObservabilityFixture jam)
{
    [Fact]
    public async Task A_json_log_line_of_a_request_carries_the_trace_and_span_ids_of_that_request()
    {
        var path = "/api/rooms/water/posts";
        using (var http = jam.Server.As(await jam.SignInAsync()))
        {
            (await http.GetAsync(new Uri(path.TrimStart('/') + "?limit=1", UriKind.Relative)).Timely()).EnsureSuccessStatusCode();
        }

        JsonElement line = default;
        await Within.EventuallyAsync(
            () => Task.FromResult(JsonLines().Any(l =>
            {
                line = l;
                return l.TryGetProperty("RequestPath", out var p) && p.GetString() == path;
            })),
            "the request is logged");

        Assert.Matches("^[0-9a-f]{32}$", line.GetProperty("@tr").GetString());
        Assert.Matches("^[0-9a-f]{16}$", line.GetProperty("@sp").GetString());
        Assert.Equal(200, line.GetProperty("StatusCode").GetInt32());
    }

    [Fact]
    public async Task A_refused_hub_call_is_logged_with_the_trace_id_of_its_span_which_goes_to_the_otlp_endpoint_with_the_batch_commits()
    {
        await using var client = await jam.ConnectAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => client.PostAsync("no-such-room-" + JamClient.NewId(), "Traced"));
        Assert.StartsWith(ErrorCodes.NotFound, refused.Message, StringComparison.Ordinal);
        await MetricsTests.PostWhileDiscussionAsync(client, "water", "Traced: a post whose batch commit is a span");

        JsonElement line = default;
        await Within.EventuallyAsync(
            () => Task.FromResult(JsonLines().Any(l =>
            {
                line = l;
                return l.TryGetProperty("Method", out var m) && m.GetString() == "Post"
                    && l.TryGetProperty("Code", out var c) && c.GetString() == ErrorCodes.NotFound;
            })),
            "the refusal is logged");
        var traceId = line.GetProperty("@tr").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);

        // Span names and attribute values are plain UTF-8 in the protobuf body; ids are raw bytes.
        var traceIdBytes = Convert.FromHexString(traceId);
        await Within.EventuallyAsync(
            () => Task.FromResult(jam.Traces.Received("commit posts") && jam.Traces.Received("JamHub/Post") && jam.Traces.Received(traceIdBytes)),
            "the hub call's span, with the logged trace id, and a batch commit's span are exported");
    }

    private IEnumerable<JsonElement> JsonLines()
    {
        foreach (var text in jam.Server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!text.StartsWith('{'))
            {
                continue;
            }

            using var document = JsonDocument.Parse(text);
            yield return document.RootElement.Clone();
        }
    }
}
