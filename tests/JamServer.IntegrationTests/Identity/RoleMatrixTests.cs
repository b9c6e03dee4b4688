using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using JamServer.Live;
using JamServer.Moderation;
using JamServer.Proposals;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Identity;

/// <summary>A jam in Discussion of its own, so no other test moves its phase while the matrix is walked.</summary>
public sealed class RoleMatrixFixture() : JamServerFixture(new Dictionary<string, string>());

[CollectionDefinition(Name)]
public sealed class RoleMatrixCollection : ICollectionFixture<RoleMatrixFixture>
{
    public const string Name = "The role matrix";
}

/// <summary>
/// Who may call what: every endpoint the app maps and every hub method, each with the roles it allows. An endpoint or
/// hub method without a row here fails the first test, a row for one that is gone too; the others call the real
/// server as each role and check that exactly the allowed ones get past authorization.
/// </summary>
[Collection(RoleMatrixCollection.Name)]
public sealed class RoleMatrixTests(RoleMatrixFixture jam)
{
    private const string Anonymous = "anonymous";
    private const string Participant = "participant";
    private const string Guest = "guest participant";
    private const string Moderator = "moderator";
    private const string Executive = "executive";
    private const string Organizer = "organizer";

    private static readonly string[] Everyone = [Participant, Guest, Moderator, Executive, Organizer];
    private static readonly string[] AnyoneAtAll = [Anonymous, .. Everyone];
    private static readonly string[] Moderators = [Moderator, Organizer];
    private static readonly string[] Organizers = [Organizer];
    private static readonly string[] Leaders = [Executive, Organizer];

    /// <summary>An endpoint as "METHOD route" ("*" for any method), who may call it, and a harmless request to try.</summary>
    private sealed record HttpRule(string Endpoint, string[] Allowed, string Path, string? Body = null, bool OnlyWithoutWebClient = false)
    {
        public HttpMethod Method => Endpoint.Split(' ')[0] switch
        {
            "POST" => HttpMethod.Post,
            _ => HttpMethod.Get,
        };
    }

    /// <summary>Dummy input everywhere: an allowed caller meets a 4xx of the request's own (or a 200 that changes nothing).</summary>
    private static readonly HttpRule[] HttpRules =
    [
        new("GET /", AnyoneAtAll, "/", OnlyWithoutWebClient: true),
        new("* /health/live", AnyoneAtAll, "/health/live"),
        new("* /health/ready", AnyoneAtAll, "/health/ready"),

        // For Prometheus, which scrapes each node directly: with Jam:MetricsPort only on that port (docs/deploy.md).
        new("* /metrics", AnyoneAtAll, "/metrics"),
        new("GET /api/jam", AnyoneAtAll, "/api/jam"),
        new("GET /api/rooms", AnyoneAtAll, "/api/rooms"),
        new("GET /api/guidelines", AnyoneAtAll, "/api/guidelines"),
        new("POST /api/auth/demo", AnyoneAtAll, "/api/auth/demo", """{"displayName":""}"""),
        new("GET /api/auth/config", AnyoneAtAll, "/api/auth/config"),
        new("POST /api/invites/redeem", AnyoneAtAll, "/api/invites/redeem", """{"code":"JAM-00000000","displayName":"X"}"""),
        new("GET /api/rooms/{roomId}/posts", Everyone, "/api/rooms/privacy/posts?limit=1"),
        new("GET /api/proposals", Everyone, "/api/proposals?roomId=privacy"),
        new("GET /api/me", Everyone, "/api/me"),
        new("GET /api/me/votes", Everyone, "/api/me/votes"),
        new("GET /api/me/receipt", Everyone, "/api/me/receipt"),
        new("GET /api/shortlist/ballots", Everyone, "/api/shortlist/ballots"),
        new("* /hubs/jam", Everyone, "/hubs/jam"),
        new("* /hubs/jam/negotiate", Everyone, "/hubs/jam/negotiate?negotiateVersion=1"),

        // Before publication the shortlist is provisional, for executives and organizers only.
        new("GET /api/shortlist", Leaders, "/api/shortlist"),
        new("GET /api/shortlist.csv", Leaders, "/api/shortlist.csv"),
        new("GET /api/moderation/flags", Moderators, "/api/moderation/flags?limit=1"),
        new("GET /api/moderation/audit", Moderators, "/api/moderation/audit?limit=1"),
        new("GET /api/moderation/sentiment", Moderators, "/api/moderation/sentiment?roomId=no-such-room"),
        new("GET /api/moderation/themes", Moderators, "/api/moderation/themes?roomId=no-such-room"),
        new("GET /api/moderation/alerts", Moderators, "/api/moderation/alerts?limit=1"),
        new("GET /api/moderation/counts", Moderators, "/api/moderation/counts"),
        new("POST /api/moderation/posts/{postId}/hide", Moderators, "/api/moderation/posts/no-such-post/hide", """{"reason":"matrix"}"""),
        new("POST /api/moderation/posts/{postId}/restore", Moderators, "/api/moderation/posts/no-such-post/restore", """{"reason":"matrix"}"""),
        new("POST /api/jam/phase", Organizers, "/api/jam/phase", """{"phase":"Nowhere"}"""),
        new("POST /api/invites", Organizers, "/api/invites", """{"role":"nobody"}"""),
    ];

    /// <summary>A hub method, who may call it, and arguments that bind but name nothing that exists.</summary>
    private sealed record HubRule(string Method, string[] Allowed, object?[] Arguments);

    private static readonly HubRule[] HubRules =
    [
        new("JoinRoom", Everyone, ["no-such-room", 0L]),
        new("LeaveRoom", Everyone, ["no-such-room"]),
        new("AcceptGuidelines", Everyone, []),
        new("Post", Everyone, [new PostRequest("no-such-room", null, "matrix", JamClient.NewId())]),
        new("ProposeIdea", Everyone, [new ProposeRequest("no-such-room", "no-such-thread", "Matrix", "A summary long enough to pass.", JamClient.NewId())]),
        new("Flag", Everyone, ["no-such-post", "matrix"]),
        new("Vote", Everyone, ["no-such-proposal"]),
        new("Unvote", Everyone, ["no-such-proposal"]),
        new("HidePost", Moderators, ["no-such-post", "matrix"]),
        new("RestorePost", Moderators, ["no-such-post", "matrix"]),
        new("MergeProposals", Moderators, ["no-such-proposal", "no-such-other", "matrix"]),
    ];

    private sealed record Listed(string Route, string[] Methods);

    [Fact]
    public async Task Every_endpoint_and_hub_method_has_exactly_one_rule_and_every_rule_still_has_its_endpoint()
    {
        var (exitCode, output) = await jam.Server.RunCommandAsync("endpoints");
        Assert.True(exitCode == 0, output);
        var json = output.Split('\n').Single(line => line.StartsWith('['));
        var listed = JsonSerializer.Deserialize<Listed[]>(json, JsonSerializerOptions.Web)!
            .SelectMany(e => e.Methods.Length == 0 ? ["* " + e.Route] : e.Methods.Select(m => m + " " + e.Route))
            .ToHashSet(StringComparer.Ordinal);
        var ruled = HttpRules.Select(r => r.Endpoint).ToList();

        var hubMethods = typeof(JamHub).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == typeof(JamHub))
            .Select(m => m.Name)
            .ToList();
        var hubRuled = HubRules.Select(r => r.Method).ToList();

        var problems = listed.Except(ruled, StringComparer.Ordinal).Select(e => $"{e} has no rule in the role matrix")
            .Concat(HttpRules.Where(r => !r.OnlyWithoutWebClient && !listed.Contains(r.Endpoint)).Select(r => $"{r.Endpoint} has a rule but is not mapped"))
            .Concat(ruled.GroupBy(e => e, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{g.Key} has more than one rule"))
            .Concat(hubMethods.Except(hubRuled, StringComparer.Ordinal).Select(m => $"hub method {m} has no rule in the role matrix"))
            .Concat(hubRuled.Except(hubMethods, StringComparer.Ordinal).Select(m => $"hub method {m} has a rule but does not exist"))
            .Concat(hubRuled.GroupBy(m => m, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"hub method {g.Key} has more than one rule"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Every_role_gets_past_authorization_on_exactly_the_endpoints_its_rule_allows()
    {
        var tokens = await SignInEveryoneAsync();
        using var http = jam.Server.As();
        var wrong = new ConcurrentBag<string>();
        var calls = HttpRules.SelectMany(rule => AnyoneAtAll.Select(who => (rule, who)));

        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (call, ct) =>
        {
            var (rule, who) = call;
            using var request = new HttpRequestMessage(rule.Method, rule.Path.TrimStart('/'));
            if (rule.Body is not null)
            {
                request.Content = new StringContent(rule.Body, Encoding.UTF8, "application/json");
            }

            if (tokens.TryGetValue(who, out var token))
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            using var response = await http.SendAsync(request, ct).Timely();
            var allowed = rule.Allowed.Contains(who);
            if (rule.OnlyWithoutWebClient && response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            var expected = allowed ? "past authorization" : who == Anonymous ? "401 UNAUTHENTICATED" : "403 FORBIDDEN";
            var got = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "401 " + await CodeOfAsync(response),
                HttpStatusCode.Forbidden => "403 " + await CodeOfAsync(response),
                _ => "past authorization",
            };
            if (got != expected)
            {
                wrong.Add($"{rule.Endpoint} as {who}: expected {expected}, got {got} ({(int)response.StatusCode})");
            }
        });

        Assert.True(wrong.IsEmpty, string.Join('\n', wrong.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Every_role_gets_past_authorization_on_exactly_the_hub_methods_its_rule_allows()
    {
        var tokens = await SignInEveryoneAsync();
        var wrong = new ConcurrentBag<string>();

        var anonymous = await Assert.ThrowsAsync<HttpRequestException>(() =>
            JamClient.ConnectAsync(jam.Server.BaseAddress, new SignedIn(null!, "", ""), acceptGuidelines: false));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var clients = (await Task.WhenAll(Everyone.Select(async who =>
            (who, Client: await JamClient.ConnectAsync(jam.Server.BaseAddress, new SignedIn(tokens[who], "", who), acceptGuidelines: false)))))
            .ToDictionary(c => c.who, c => c.Client);
        try
        {
            await Task.WhenAll(clients.Select(async c =>
            {
                foreach (var rule in HubRules)
                {
                    var got = await OutcomeAsync(c.Value, rule);
                    var expected = rule.Allowed.Contains(c.Key) ? "past authorization" : ErrorCodes.Forbidden;
                    if (got != expected)
                    {
                        wrong.Add($"{rule.Method} as {c.Key}: expected {expected}, got {got}");
                    }
                }
            }));
            Assert.True(wrong.IsEmpty, string.Join('\n', wrong.Order(StringComparer.Ordinal)));

            await AssertOnlyModeratorsHearOfFlagsAsync(clients);
        }
        finally
        {
            await Task.WhenAll(clients.Values.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<string> OutcomeAsync(JamClient client, HubRule rule)
    {
        try
        {
            await client.Connection.InvokeCoreAsync(rule.Method, typeof(object), rule.Arguments).Timely();
            return "past authorization";
        }
        catch (HubException refused) when (refused.Message.StartsWith(ErrorCodes.Forbidden + ":", StringComparison.Ordinal))
        {
            return ErrorCodes.Forbidden;
        }
        catch (HubException refused) when (refused.Message.StartsWith(ErrorCodes.Unavailable + ":", StringComparison.Ordinal))
        {
            return refused.Message;
        }
        catch (HubException)
        {
            // Any other refusal (NOT_FOUND, PHASE_CLOSED, INVALID_INPUT, ...) is the dummy input's.
            return "past authorization";
        }
    }

    /// <summary>The moderation pushes go by role too: a flag reaches moderators and organizers, no one else.</summary>
    private static async Task AssertOnlyModeratorsHearOfFlagsAsync(Dictionary<string, JamClient> clients)
    {
        var heard = new ConcurrentBag<(string Who, string PostId)>();
        foreach (var (who, client) in clients)
        {
            client.Connection.On<FlagDto>("FlagRaised", flag => heard.Add((who, flag.PostId)));
        }

        var post = await clients[Participant].PostAsync("privacy", "A post to flag in the role matrix");
        await clients[Guest].FlagAsync(post.PostId);
        await Within.EventuallyAsync(
            () => Task.FromResult(Moderators.All(m => heard.Contains((m, post.PostId)))), "moderators and organizers hear of the flag");
        await Task.Delay(300);

        Assert.Equal(Moderators.Order(StringComparer.Ordinal), heard.Where(h => h.PostId == post.PostId).Select(h => h.Who).Order(StringComparer.Ordinal));
    }

    private async Task<Dictionary<string, string>> SignInEveryoneAsync()
    {
        var roles = new Dictionary<string, (string Role, string Kind)>
        {
            [Participant] = (Roles.Participant, "employee"),
            [Guest] = (Roles.Participant, "guest"),
            [Moderator] = (Roles.Moderator, "employee"),
            [Executive] = (Roles.Executive, "employee"),
            [Organizer] = (Roles.Organizer, "employee"),
        };
        var signedIn = await Task.WhenAll(roles.Select(async r => (r.Key, (await jam.SignInAsync(r.Value.Role, r.Value.Kind)).Token)));
        return signedIn.ToDictionary(s => s.Key, s => s.Token);
    }

    private static async Task<string> CodeOfAsync(HttpResponseMessage response)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<ErrorBody>().Timely())?.Code ?? "(no code)";
        }
        catch (JsonException)
        {
            return "(no JSON body)";
        }
    }
}
