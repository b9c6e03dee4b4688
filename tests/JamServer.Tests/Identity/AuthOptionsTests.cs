using JamServer.Identity;
using JamServer.Infrastructure;

namespace JamServer.Tests.Identity;

public sealed class AuthOptionsTests
{
    private static AuthOptions Provider(string authority = "https://login.example.com/realms/jam", bool requireHttps = true) =>
        new() { Authority = authority, RequireHttpsMetadata = requireHttps, Audience = "jam-api" };

    [Fact]
    public void Without_a_role_map_a_provider_value_that_names_a_role_is_that_role_in_any_case()
    {
        Assert.Equal(["moderator", "executive"], Provider().RolesOf(["Moderator", "staff", "EXECUTIVE", "moderator"]));
    }

    [Fact]
    public void With_a_role_map_only_its_values_count()
    {
        var auth = Provider();
        auth.RoleMap["Jam.Organizers"] = "Organizer";

        Assert.Equal(["organizer"], auth.RolesOf(["jam.organizers", "moderator"]));
    }

    [Fact]
    public void A_user_with_no_recognised_role_is_a_participant()
    {
        Assert.Equal(["participant"], Provider().RolesOf([]));
        Assert.Equal(["participant"], Provider().RolesOf(["staff"]));
    }

    [Fact]
    public void Settings_without_a_provider_and_with_a_usable_one_are_valid()
    {
        Assert.True(new AuthOptions().IsValid(out _));
        Assert.True(Provider().IsValid(out _));
        Assert.True(Provider("http://127.0.0.1:5001", requireHttps: false).IsValid(out _));
    }

    [Theory]
    [InlineData("login.example.com", true, "absolute https URL")]
    [InlineData("ftp://login.example.com", true, "absolute https URL")]
    [InlineData("http://127.0.0.1:5001", true, "must use https")]
    [InlineData("jamserver", true, "absolute https URL")]
    public void A_provider_that_cannot_work_is_refused_with_what_is_wrong(string authority, bool requireHttps, string problem)
    {
        Assert.False(Provider(authority, requireHttps).IsValid(out var said));
        Assert.Contains(problem, said, StringComparison.Ordinal);
    }

    [Fact]
    public void The_servers_own_issuer_may_not_be_the_providers()
    {
        var auth = Provider("https://login.example.com");
        auth.Issuer = "https://login.example.com/";

        Assert.False(auth.IsValid(out var problem));
        Assert.Contains("must differ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_role_map_to_a_role_jamserver_does_not_have_is_refused()
    {
        var auth = Provider();
        auth.RoleMap["admins"] = "admin";

        Assert.False(auth.IsValid(out var problem));
        Assert.Contains("'admin'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_signing_key_is_refused_as_before()
    {
        Assert.False(new AuthOptions { SigningKey = "short" }.IsValid(out var problem));
        Assert.Equal("Auth:SigningKey must be at least 32 characters.", problem);
    }

    [Fact]
    public void A_client_id_without_a_provider_is_refused()
    {
        Assert.False(new AuthOptions { ClientId = "jam-web" }.IsValid(out var problem));
        Assert.Contains("needs Auth:Authority", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scope_without_openid_is_refused()
    {
        var auth = Provider();
        auth.ClientId = "jam-web";
        auth.Scope = "profile api://jam/access";

        Assert.False(auth.IsValid(out var problem));
        Assert.Contains("must include openid", problem, StringComparison.Ordinal);
        auth.Scope = "openid profile api://jam/access";
        Assert.True(auth.IsValid(out _));
    }

    [Fact]
    public void The_browser_is_told_of_the_provider_only_when_a_client_id_is_set()
    {
        var auth = Provider("https://login.example.com/realms/jam/");
        Assert.Equal(new AuthConfigEndpoint.Config(false, null, null, null), AuthConfigEndpoint.ConfigOf(auth, demo: false));

        auth.ClientId = "jam-web";
        Assert.Equal(
            new AuthConfigEndpoint.Config(true, "https://login.example.com/realms/jam", "jam-web", "openid profile"),
            AuthConfigEndpoint.ConfigOf(auth, demo: true));
        Assert.Equal(new AuthConfigEndpoint.Config(true, null, null, null), AuthConfigEndpoint.ConfigOf(new AuthOptions(), demo: true));
    }

    [Fact]
    public void The_page_may_connect_to_the_providers_origin_only_when_a_browser_signs_in_there()
    {
        var auth = Provider("https://login.example.com:8443/realms/jam");
        Assert.Contains("connect-src 'self';", WebClient.ContentSecurityPolicy(auth), StringComparison.Ordinal);

        auth.ClientId = "jam-web";
        Assert.Contains("connect-src 'self' https://login.example.com:8443;", WebClient.ContentSecurityPolicy(auth), StringComparison.Ordinal);
    }
}
