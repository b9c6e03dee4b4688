using System.Net;
using System.Net.Http.Json;
using System.Text;
using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;
using JamServer.Moderation;
using JamServer.Rooms;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.IntegrationTests.Identity;

/// <summary>A server outside demo mode that takes its users from an OpenID Connect provider of the test's own.</summary>
public sealed class ProviderJamFixture : IAsyncLifetime
{
    public const string Audience = "jam-api";

    public const string ClientId = "jam-web";

    public TestProvider Provider { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public static Dictionary<string, string> Settings(string authority) => new()
    {
        ["Jam__DemoMode"] = "false",
        ["Auth__Authority"] = authority,
        ["Auth__Audience"] = Audience,
        ["Auth__ClientId"] = ClientId,
        ["Auth__RequireHttpsMetadata"] = "false",
        ["Auth__RoleClaim"] = "groups",
        ["Auth__NameClaim"] = "nickname",
        ["Auth__RoleMap__" + ProviderGroups.Moderators] = Roles.Moderator,
        ["Auth__RoleMap__" + ProviderGroups.Organizers] = Roles.Organizer,
    };

    /// <summary>A new person at the provider, in the groups given; their token for this server.</summary>
    public string TokenFor(params string[] groups) =>
        Provider.Issue("idp|" + JamClient.NewId(), Audience, "Provider user " + JamClient.NewId()[..4], groups);

    public HttpClient As(string token)
    {
        var http = Server.As();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    public async Task InitializeAsync()
    {
        Provider = await TestProvider.StartAsync();
        Server = new ServerProcess("o" + JamClient.NewId()[..10], Settings(Provider.Issuer));
        await Server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProviderJamCollection : ICollectionFixture<ProviderJamFixture>
{
    public const string Name = "A jam whose users sign in at an OpenID Connect provider";
}

[Collection(ProviderJamCollection.Name)]
public sealed class ProviderSignInTests(ProviderJamFixture jam)
{
    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);
    }

    [Fact]
    public async Task A_provider_token_gets_in_with_the_role_its_groups_map_to()
    {
        using var moderator = jam.As(jam.TokenFor(ProviderGroups.Staff, ProviderGroups.Moderators));
        using var participant = jam.As(jam.TokenFor(ProviderGroups.Staff));
        using var organizer = jam.As(jam.TokenFor(ProviderGroups.Organizers));

        Assert.Equal(HttpStatusCode.OK, (await moderator.GetAsync("api/moderation/counts").Timely()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await participant.GetAsync("api/proposals").Timely()).StatusCode);
        await AssertRefusedAsync(await participant.GetAsync("api/moderation/counts").Timely(), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await AssertRefusedAsync(
            await moderator.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely(), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        // An organizer passes the role check and meets the body's: an unknown phase changes nothing.
        await AssertRefusedAsync(
            await organizer.PostAsJsonAsync("api/jam/phase", new { phase = "Nowhere" }).Timely(), HttpStatusCode.BadRequest, ErrorCodes.InvalidInput);
    }

    public static TheoryData<string> BadTokens => ["wrong audience", "foreign key", "expired", "no subject", "own issuer, provider's key", "provider's issuer, own key"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_token_the_provider_did_not_issue_for_this_server_is_unauthenticated(string what)
    {
        var groups = new[] { ProviderGroups.Organizers };
        var ownKey = new SigningCredentials(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ServerProcess.SigningKey)), SecurityAlgorithms.HmacSha256);
        var token = what switch
        {
            "wrong audience" => jam.Provider.Issue("idp|x", "another-api", "X", groups),
            "foreign key" => jam.Provider.Issue("idp|x", ProviderJamFixture.Audience, "X", groups, signedWith: jam.Provider.ForeignKey),
            "expired" => jam.Provider.Issue("idp|x", ProviderJamFixture.Audience, "X", groups, lifetime: TimeSpan.FromMinutes(-2)),
            "no subject" => jam.Provider.Issue("", ProviderJamFixture.Audience, "X", groups),
            "own issuer, provider's key" => jam.Provider.Issue("idp|x", ProviderJamFixture.Audience, "X", groups, issuer: "jamserver"),
            _ => jam.Provider.Issue("idp|x", ProviderJamFixture.Audience, "X", groups, signedWith: ownKey),
        };
        using var http = jam.As(token);

        await AssertRefusedAsync(await http.GetAsync("api/proposals").Timely(), HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
        using var anonymous = jam.Server.As();
        await AssertRefusedAsync(
            await anonymous.PostAsync("hubs/jam/negotiate?negotiateVersion=1&access_token=" + Uri.EscapeDataString(token), null).Timely(),
            HttpStatusCode.Unauthorized, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task Demo_sign_in_does_not_exist_outside_demo_mode()
    {
        using var http = jam.Server.As();

        await AssertRefusedAsync(
            await http.PostAsJsonAsync("api/auth/demo", new { displayName = "Ann", role = "organizer" }).Timely(),
            HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task The_hub_takes_a_provider_token_in_the_access_token_query_with_its_name_and_role()
    {
        var name = "Nadia " + JamClient.NewId()[..4];
        await using var moderator = await ConnectWithQueryTokenAsync(
            jam.Provider.Issue("idp|" + JamClient.NewId(), ProviderJamFixture.Audience, name, [ProviderGroups.Moderators]));
        await using var participant = await ConnectWithQueryTokenAsync(jam.TokenFor(ProviderGroups.Staff));

        await moderator.InvokeAsync<GuidelinesAck>("AcceptGuidelines").Timely();
        await moderator.InvokeAsync<JoinRoomResult>("JoinRoom", "privacy", 0L).Timely();
        var ack = await moderator.InvokeAsync<PostAck>("Post", new PostRequest("privacy", null, "Signed in at the provider", JamClient.NewId())).Timely();
        var posts = await moderator.InvokeAsync<JoinRoomResult>("JoinRoom", "privacy", ack.Seq - 1).Timely();
        Assert.Equal(name, Assert.Single(posts.Posts, p => p.PostId == ack.PostId).AuthorName);

        var refused = await Assert.ThrowsAsync<HubException>(() => participant.InvokeAsync<object>("HidePost", ack.PostId, "test").Timely());
        Assert.StartsWith(ErrorCodes.Forbidden + ":", refused.Message, StringComparison.Ordinal);
        var notFound = await Assert.ThrowsAsync<HubException>(() => moderator.InvokeAsync<object>("HidePost", "no-such-post", "test").Timely());
        Assert.StartsWith(ErrorCodes.NotFound + ":", notFound.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invite_made_by_a_provider_organizer_gives_a_guest_a_server_signed_token_that_works_beside_the_providers()
    {
        using var organizer = jam.As(jam.TokenFor(ProviderGroups.Organizers));
        var created = await organizer.PostAsJsonAsync("api/invites", new { kind = "customer" }).Timely();
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var code = (await created.Content.ReadFromJsonAsync<Invites.Created>().Timely())!.Code;

        var redeemed = await jam.Server.As().PostAsJsonAsync("api/invites/redeem", new { code, displayName = "Carla" }).Timely();
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        var guest = (await redeemed.Content.ReadFromJsonAsync<DemoSignIn.Response>().Timely())!;

        using var asGuest = jam.As(guest.Token);
        Assert.Equal(HttpStatusCode.OK, (await asGuest.GetAsync("api/proposals").Timely()).StatusCode);
        await AssertRefusedAsync(await asGuest.GetAsync("api/moderation/counts").Timely(), HttpStatusCode.Forbidden, ErrorCodes.Forbidden);
        await using var hub = await ConnectWithQueryTokenAsync(guest.Token);
        Assert.True((await hub.InvokeAsync<GuidelinesAck>("AcceptGuidelines").Timely()).Accepted);
    }

    [Fact]
    public async Task A_provider_on_plain_http_stops_the_server_at_start_unless_https_metadata_is_waived()
    {
        var settings = ProviderJamFixture.Settings(jam.Provider.Issuer);
        settings.Remove("Auth__RequireHttpsMetadata");
        await using var server = new ServerProcess("o" + JamClient.NewId()[..10], settings);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync().Timely(TimeSpan.FromSeconds(60)));

        Assert.Contains("Auth:Authority must use https", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>As a browser connects: a WebSocket with the token in the query, which is all a browser can send.</summary>
    private async Task<HubConnection> ConnectWithQueryTokenAsync(string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(
                new Uri(jam.Server.BaseAddress, "hubs/jam?access_token=" + Uri.EscapeDataString(token)),
                HttpTransportType.WebSockets,
                o => o.SkipNegotiation = true)
            .Build();
        try
        {
            await connection.StartAsync().Timely();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
