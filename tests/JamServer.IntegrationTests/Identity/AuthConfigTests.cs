using System.Net;
using System.Net.Http.Json;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Identity;

[Collection(LiveJamCollection.Name)]
public sealed class DemoAuthConfigTests(JamServerFixture jam)
{
    [Fact]
    public async Task In_demo_mode_without_a_provider_the_browser_is_offered_demo_sign_in_only_and_talks_to_its_own_origin_only()
    {
        var response = await jam.Anonymous.GetAsync("api/auth/config").Timely();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new AuthConfigEndpoint.Config(true, null, null, null), await response.Content.ReadFromJsonAsync<AuthConfigEndpoint.Config>().Timely());
        Assert.Contains("connect-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Me_tells_a_signed_in_caller_who_the_server_takes_them_for_and_refuses_anyone_else()
    {
        using var http = jam.Anonymous;
        var moderator = await http.SignInAsync("moderator", "customer");
        using var asModerator = jam.Server.As(moderator);

        var me = await asModerator.GetFromJsonAsync<AuthConfigEndpoint.Caller>("api/me").Timely();

        Assert.Equal(new AuthConfigEndpoint.Caller(moderator.ParticipantId, moderator.Name, "moderator", me!.Roles, "customer"), me);
        Assert.Equal(["moderator"], me.Roles);
        var anonymous = await http.GetAsync("api/me").Timely();
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(ErrorCodes.Unauthenticated, (await anonymous.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);
    }
}

[Collection(ProviderJamCollection.Name)]
public sealed class ProviderAuthConfigTests(ProviderJamFixture jam)
{
    [Fact]
    public async Task Outside_demo_mode_the_browser_is_told_the_provider_its_client_id_and_scope_and_may_connect_to_the_provider()
    {
        var response = await jam.Server.As().GetAsync("api/auth/config").Timely();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            new AuthConfigEndpoint.Config(false, jam.Provider.Issuer, ProviderJamFixture.ClientId, AuthConfigEndpoint.DefaultScope),
            await response.Content.ReadFromJsonAsync<AuthConfigEndpoint.Config>().Timely());
        Assert.Contains($"connect-src 'self' {jam.Provider.Issuer};", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Me_maps_a_provider_tokens_groups_to_roles_and_shows_the_highest()
    {
        var name = "Mia " + JamClient.NewId()[..4];
        var subject = "idp|" + JamClient.NewId();
        using var http = jam.As(jam.Provider.Issue(subject, ProviderJamFixture.Audience, name, [ProviderGroups.Staff, ProviderGroups.Moderators, ProviderGroups.Organizers]));

        var me = await http.GetFromJsonAsync<AuthConfigEndpoint.Caller>("api/me").Timely();

        Assert.Equal(subject, me!.ParticipantId);
        Assert.Equal(name, me.Name);
        Assert.Equal(Roles.Organizer, me.Role);
        Assert.Equal([Roles.Moderator, Roles.Organizer], me.Roles.Order(StringComparer.Ordinal));
        Assert.Equal("employee", me.Kind);
    }
}
