using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using JamServer.Jams;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>A jam of its own: the fuzz must not share a server whose stores other tests count.</summary>
/// <summary>
/// A jam of its own. Its fuzzers open hundreds of connections a second each, far past a participant's admission pace,
/// which is not what the fuzz is about: that pace is lifted here.
/// </summary>
public sealed class FuzzedJamFixture() : JamServerFixture(new Dictionary<string, string>
{
    ["Jam__AllowedOrigins__0"] = Identity.OriginTests.AllowedElsewhere,
    ["Jam__Admission__ParticipantConnectsPerSecond"] = "100000",
    ["Jam__Admission__ParticipantConnectBurst"] = "100000",
});

[CollectionDefinition(Name)]
public sealed class FuzzedJamCollection : ICollectionFixture<FuzzedJamFixture>
{
    public const string Name = "A jam under fuzzing";
}

/// <summary>
/// Thousands of malformed hub calls, raw hub frames, HTTP bodies and query strings from one seeded Random
/// (JAM_FUZZ_SEED repeats a run). Each must get a clear error: a hub error or close reason with a stable code other than
/// UNAVAILABLE, or a 4xx with a JSON body and a code, never a 5xx. Meanwhile the server stays live and serves a
/// well-behaved participant, and afterwards the store holds nothing from the fuzzers.
/// </summary>
[Collection(FuzzedJamCollection.Name)]
public sealed partial class FuzzTests(FuzzedJamFixture jam, ITestOutputHelper output)
{
    private const int HubCalls = 1600;
    private const int RawConnections = 240;
    private const int HttpRequests = 1200;

    private static readonly HashSet<string> Codes = typeof(ErrorCodes).GetFields()
        .Select(f => (string)f.GetValue(null)!).Where(c => c is not ErrorCodes.Unavailable and not ErrorCodes.Internal).ToHashSet();

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<string, int> _outcomes = new();

    [Fact]
    public async Task Malformed_input_gets_clear_errors_stores_nothing_and_the_server_keeps_serving_others()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("JAM_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"Fuzz seed {seed} (JAM_FUZZ_SEED={seed} repeats this run)");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var fuzzers = new List<SignedIn>();
        foreach (var role in new[] { "participant", "participant", "moderator", "organizer" })
        {
            fuzzers.Add(await jam.SignInAsync(role));
        }

        var postsBefore = await EventLog.CountAsync(jam.Server.JamId, "post_written");
        using var stop = new CancellationTokenSource();
        var watchdog = WatchAsync(stop.Token);
        int invitesMade;
        try
        {
            await FuzzHubCallsAsync(new Random(seed), fuzzers);
            await FuzzRawFramesAsync(new Random(seed + 1), fuzzers);
            invitesMade = await FuzzHttpAsync(new Random(seed + 2), fuzzers);
        }
        finally
        {
            await stop.CancelAsync();
        }

        var goodPosts = await watchdog;
        output.WriteLine($"Done in {started.Elapsed.TotalSeconds:0.0} s; {goodPosts} posts of the well-behaved participant delivered meanwhile.");
        foreach (var (outcome, count) in _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,6}  {outcome}");
        }

        Assert.True(_failures.IsEmpty, $"Seed {seed}: {_failures.Count} bad answers, first ones:\n" + string.Join("\n", _failures.Take(15)));
        Assert.True(goodPosts >= 5, $"the well-behaved participant posted only {goodPosts} times");

        // Nothing of the fuzzers is stored, but the invites the organizer's well-formed requests made.
        var stored = await EventLog.TypesMentioningAsync(jam.Server.JamId, fuzzers.Select(f => f.ParticipantId).ToList());
        Assert.All(stored, type => Assert.Equal("invite_created", type));
        Assert.Equal(invitesMade, stored.Count);
        Assert.Equal(postsBefore + goodPosts, await EventLog.CountAsync(jam.Server.JamId, "post_written"));
        using var http = jam.Server.As();
        Assert.Equal(nameof(JamPhase.Discussion), (await http.GetFromJsonAsync<JsonElement>("api/jam").Timely()).Text("phase"));
    }

    /// <summary>Well-formed SignalR messages with wrong methods, argument counts and types, on both protocols.</summary>
    private async Task FuzzHubCallsAsync(Random random, List<SignedIn> fuzzers)
    {
        var lanes = Enumerable.Range(0, 4).Select(async lane =>
        {
            var inputs = new FuzzInputs(new Random(random.Next()));
            var who = fuzzers[lane % fuzzers.Count];
            var wire = lane % 2 == 0 ? Wire.Json : Wire.MessagePack;
            var (client, closed) = await ConnectWatchingCloseAsync(who, wire);
            try
            {
                for (var i = 0; i < HubCalls / 4; i++)
                {
                    var method = inputs.Random.Next(5) == 0 ? inputs.Pick(FuzzInputs.NotHubMethods) : inputs.Pick(FuzzInputs.HubMethods);
                    var args = inputs.Arguments(method);
                    if (method == "AcceptGuidelines" && args.Length == 0)
                    {
                        // The one call that would store something of a fuzzer's; with arguments it must not bind.
                        args = [null];
                    }

                    var input = $"hub {wire} {method}({Describe(args)})";
                    try
                    {
                        await client.Connection.InvokeCoreAsync(method, typeof(object), args).Timely(TimeSpan.FromSeconds(10));
                        Count($"hub {method}: answered");
                    }
                    catch (HubException refused) when (!refused.Message.Contains(ClosedWith, StringComparison.Ordinal))
                    {
                        Check(input, CodeOf(refused.Message), refused.Message);
                    }
                    catch (Exception failed)
                    {
                        // A message over the size limit closes its connection with a coded reason: a clear answer.
                        // The close may come before this call was sent, or as its failure.
                        var reason = failed.Message.Contains(ClosedWith, StringComparison.Ordinal) ? failed.Message : await closed.ReasonAsync();
                        var at = reason?.IndexOf(ClosedWith, StringComparison.Ordinal) ?? -1;
                        var closeCode = at < 0 ? null : CodeOf(reason![(at + ClosedWith.Length)..]);
                        if (closeCode is not null && Codes.Contains(closeCode))
                        {
                            Count($"hub close: {closeCode}");
                        }
                        else
                        {
                            Fail(input, $"{failed.GetType().Name}: {failed.Message}");
                        }

                        await client.DisposeAsync();
                        (client, closed) = await ConnectWatchingCloseAsync(who, wire);
                    }
                }
            }
            finally
            {
                await client.DisposeAsync();
            }
        });
        await Task.WhenAll(lanes);
    }

    private const string ClosedWith = "closed the connection with the following error: ";

    /// <summary>What a fuzzing client's connection was closed with, once the server closes it.</summary>
    private sealed class CloseWatch
    {
        private volatile bool _closed;
        private volatile string? _reason;

        public void Closed(Exception? error)
        {
            _reason = error?.Message;
            _closed = true;
        }

        public async Task<string?> ReasonAsync()
        {
            for (var waited = 0; !_closed && waited < 2000; waited += 50)
            {
                await Task.Delay(50);
            }

            return _reason;
        }
    }

    private async Task<(JamClient Client, CloseWatch Closed)> ConnectWatchingCloseAsync(SignedIn who, Wire wire)
    {
        var client = await JamClient.ConnectAsync(jam.Server.BaseAddress, who, wire, acceptGuidelines: false);
        var watch = new CloseWatch();
        client.Connection.Closed += error =>
        {
            watch.Closed(error);
            return Task.CompletedTask;
        };
        return (client, watch);
    }

    /// <summary>Frames no SignalR client would send: garbage after the handshake, broken and oversized messages.</summary>
    private async Task FuzzRawFramesAsync(Random random, List<SignedIn> fuzzers)
    {
        var seeds = Enumerable.Range(0, RawConnections).Select(_ => random.Next()).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, RawConnections), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var inputs = new FuzzInputs(new Random(seeds[i]));
            var who = fuzzers[i % 2];
            var wire = i % 2 == 0 ? Wire.Json : Wire.MessagePack;
            if (i % 10 == 9)
            {
                await GarbageHandshakeAsync(who, inputs, i);
                return;
            }

            await using var raw = await RawHub.ConnectAsync(jam.Server, who, wire);
            var frames = Enumerable.Range(0, inputs.Random.Next(1, 4))
                .Select(_ => wire == Wire.Json ? inputs.JsonFrame() : inputs.MessagePackFrame()).ToList();
            foreach (var frame in frames)
            {
                try
                {
                    await raw.SendFrameAsync(frame);
                }
                catch (System.Net.WebSockets.WebSocketException)
                {
                    // The server closed the connection after an earlier frame; its close message is read below.
                    break;
                }
            }

            var input = $"raw {wire} #{i}: {string.Join(" | ", frames.Select(Preview))}";
            while (await raw.NextReplyAsync(TimeSpan.FromMilliseconds(600)) is { } reply)
            {
                var kind = reply.Type == 7 ? "close" : "completion";
                if (reply.Error is null)
                {
                    Count($"raw {kind}: no error");
                }
                else
                {
                    Check(input, CodeOf(reply.Error), $"{kind}: {reply.Error}", prefix: $"raw {kind}");
                }

                if (reply.Type == 7)
                {
                    break;
                }
            }
        });
    }

    private async Task GarbageHandshakeAsync(SignedIn who, FuzzInputs inputs, int i)
    {
        await using var raw = await RawHub.ConnectAsync(jam.Server, who, Wire.Json, handshake: false);
        var garbage = inputs.Random.Next(2) == 0 ? inputs.Bytes() : Encoding.UTF8.GetBytes($"{{\"protocol\":{inputs.Json(3)},\"version\":{inputs.Json(3)}}}\u001e");
        await raw.SendAsync(garbage, System.Net.WebSockets.WebSocketMessageType.Text);

        // SignalR answers a bad handshake with its own error and closes; nothing here may speak of a server failure.
        var reply = await raw.NextReplyAsync(TimeSpan.FromMilliseconds(600));
        if (reply?.Error is { } error && error.Contains(ErrorCodes.Unavailable, StringComparison.Ordinal))
        {
            Fail($"raw handshake #{i}: {Preview(garbage)}", error);
        }

        Count("raw handshake garbage: answered without a server error");
    }

    /// <summary>Every POST endpoint with malformed bodies, every GET endpoint with random query strings; returns invites made.</summary>
    private async Task<int> FuzzHttpAsync(Random random, List<SignedIn> fuzzers)
    {
        string[] posts = ["api/auth/demo", "api/invites", "api/invites/redeem", "api/jam/phase", "api/moderation/posts/{id}/hide", "api/moderation/posts/{id}/restore"];
        string[] gets =
        [
            "api/jam", "api/rooms", "api/rooms/{id}/posts", "api/proposals", "api/me/votes", "api/me/receipt", "api/shortlist", "api/shortlist.csv",
            "api/shortlist/ballots", "api/guidelines", "api/moderation/flags", "api/moderation/audit", "api/moderation/sentiment",
            "api/moderation/themes", "api/moderation/alerts", "api/moderation/counts", "api/auth/config", "api/me",
        ];
        AssertEveryEndpointIsFuzzed(posts, gets);

        var inputs = new FuzzInputs(random);
        var requests = Enumerable.Range(0, HttpRequests).Select(i => MakeRequest(inputs, i, posts, gets, fuzzers)).ToList();
        var invites = 0;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, ct) =>
        {
            using var http = jam.Server.As();
            using var message = request.Build();
            using var response = await http.SendAsync(message, ct).Timely();
            var body = await response.Content.ReadAsStringAsync(ct).Timely();
            var status = (int)response.StatusCode;
            if (status < 400)
            {
                Count($"http {request.Method} {request.Template}: {status}");
                if (request.Template == "api/invites" && request.Method == HttpMethod.Post)
                {
                    Interlocked.Increment(ref invites);
                }

                return;
            }

            string? code = null;
            try
            {
                using var json = JsonDocument.Parse(body);
                code = json.RootElement.GetProperty("code").GetString();
                _ = json.RootElement.GetProperty("message").GetString();
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }

            var input = $"http {request.Describe()}";
            // Kestrel refuses a path that decodes to a NUL, and a request line over 8 KB, itself, before any middleware
            // runs: a bare 400 or 414 is all it sends.
            if (body.Length == 0 && ((status == 400 && request.Path.Contains("%00", StringComparison.Ordinal)) || (status == 414 && request.Path.Length > 8000)))
            {
                Count($"http {status}: bare, from Kestrel");
                return;
            }

            if (status >= 500 || code is null)
            {
                Fail(input, $"{status} {body[..Math.Min(300, body.Length)]}");
                return;
            }

            Check(input, code, $"{status} {code}", prefix: $"http {status}");
        });
        return invites;
    }

    private static FuzzRequest MakeRequest(FuzzInputs inputs, int i, string[] posts, string[] gets, List<SignedIn> fuzzers)
    {
        var random = inputs.Random;
        var isPost = i % 3 != 2;
        var template = isPost ? inputs.Pick(posts) : inputs.Pick(gets);
        string id = random.Next(4) switch
        {
            0 => "water",
            1 => Uri.EscapeDataString(inputs.Text(200)) is { Length: > 0 } escaped ? escaped : "%20",
            2 => inputs.Pick(new[] { "%ED%A0%80", "%FF%FE", "%00", "..%2F..", "a%2Fb", new string('x', 3000) }),
            _ => JamClient.NewId(),
        };
        var path = template.Replace("{id}", id, StringComparison.Ordinal) + (random.Next(3) == 0 ? inputs.Query() : "");
        var method = isPost
            ? random.Next(12) == 0 ? inputs.Pick(new[] { HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Get }) : HttpMethod.Post
            : random.Next(12) == 0 ? HttpMethod.Post : HttpMethod.Get;

        // Mostly the role the endpoint wants, so the body is read; sometimes none, a fuzzer's, or a forged one.
        var token = random.Next(8) switch
        {
            0 => null,
            1 => "not-a-jwt",
            2 => fuzzers[0].Token,
            _ => template.Contains("moderation", StringComparison.Ordinal) ? fuzzers[2].Token : fuzzers[3].Token,
        };
        byte[]? body = null;
        var contentType = "application/json";
        if (method != HttpMethod.Get)
        {
            body = random.Next(10) switch
            {
                0 => inputs.Bytes(),
                1 => [],
                2 => Encoding.UTF8.GetBytes(inputs.Json()),
                _ => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(inputs.Request())),
            };
            contentType = random.Next(10) switch
            {
                0 => "text/plain",
                1 => "application/json; charset=utf-16",
                2 => "application/x-www-form-urlencoded",
                3 => "",
                _ => "application/json",
            };
        }

        return new FuzzRequest(method, template, path, token, body, contentType);
    }

    /// <summary>The fuzz covers every endpoint the server maps, as found in its source.</summary>
    private static void AssertEveryEndpointIsFuzzed(string[] posts, string[] gets)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root!.FullName, "JamServer.sln")))
        {
            root = root.Parent;
        }

        var mapped = Directory.EnumerateFiles(Path.Combine(root.FullName, "src", "JamServer"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => MappedRoute().Matches(File.ReadAllText(file)))
            .Select(m => (Method: m.Groups[1].Value, Route: Regex.Replace(m.Groups[2].Value.TrimStart('/'), "\\{[a-zA-Z]+\\}", "{id}")))
            .Where(r => r.Route.StartsWith("api/", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(mapped);
        Assert.All(mapped, r => Assert.Contains(r.Route, r.Method == "Post" ? posts : gets));
    }

    [GeneratedRegex("Map(Get|Post)\\(\\s*\"([^\"]+)\"")]
    private static partial Regex MappedRoute();

    /// <summary>Until stopped: the server answers /health/live, and a well-behaved participant's posts reach it live.</summary>
    private async Task<int> WatchAsync(CancellationToken stop)
    {
        await using var good = await jam.ConnectAsync();
        await good.JoinAsync("water");
        using var http = jam.Server.As();
        var delivered = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var live = await http.GetAsync("health/live", CancellationToken.None).Timely(TimeSpan.FromSeconds(5));
                if (live.StatusCode != HttpStatusCode.OK)
                {
                    Fail("watchdog", $"/health/live answered {(int)live.StatusCode}");
                }

                var ack = await good.PostAsync("water", $"Still here {delivered}").Timely(TimeSpan.FromSeconds(5));
                await good.WaitForPostAsync(p => p.PostId == ack.PostId).Timely(TimeSpan.FromSeconds(5));
                delivered++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Fail("watchdog", $"the well-behaved participant failed: {ex.GetType().Name}: {ex.Message}");
            }

            try
            {
                await Task.Delay(500, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return delivered;
    }

    private void Check(string input, string? code, string answer, string prefix = "hub")
    {
        if (code is null || !Codes.Contains(code))
        {
            Fail(input, answer);
            return;
        }

        Count($"{prefix}: {code}");
    }

    private void Count(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    private void Fail(string input, string answer)
    {
        Count("FAILED");
        _failures.Enqueue($"{input[..Math.Min(400, input.Length)]}\n    -> {answer}");
    }

    private static string? CodeOf(string message)
    {
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 ? message[..colon] : null;
    }

    private static string Describe(object?[] args) =>
        string.Join(", ", args.Select(a => a switch
        {
            null => "null",
            string s => JsonSerializer.Serialize(s.Length > 40 ? s[..40] + $"...({s.Length})" : s),
            Array array => $"[{array.Length} items]",
            IDictionary<string, object?> map => "{" + string.Join(",", map.Keys) + "}",
            _ => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture),
        }));

    private static string Preview(byte[] bytes) =>
        bytes.Length > 80 ? $"{Convert.ToHexString(bytes, 0, 40)}...({bytes.Length} bytes)" : Convert.ToHexString(bytes);

    private sealed record FuzzRequest(HttpMethod Method, string Template, string Path, string? Token, byte[]? Body, string ContentType)
    {
        public HttpRequestMessage Build()
        {
            var message = new HttpRequestMessage(Method, Path);
            if (Token is not null)
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            }

            if (Body is not null)
            {
                message.Content = new ByteArrayContent(Body);
                if (ContentType.Length > 0)
                {
                    message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
                }
            }

            return message;
        }

        public string Describe() =>
            $"{Method} {(Path.Length > 200 ? Path[..200] + "..." : Path)} [{ContentType}] " +
            (Body is null ? "" : Body.Length > 200 ? Encoding.UTF8.GetString(Body, 0, 200) + $"...({Body.Length} bytes)" : Encoding.UTF8.GetString(Body));
    }
}
