using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JamServer.Identity;
using JamServer.IntegrationTests.Support;
using Microsoft.IdentityModel.Tokens;

namespace JamServer.IntegrationTests.Identity;

/// <summary>The browser tests lean on the test provider's PKCE check: it must refuse what a real provider refuses.</summary>
[Collection(ProviderJamCollection.Name)]
public sealed class TestProviderTests(ProviderJamFixture jam)
{
    private const string RedirectUri = "http://127.0.0.1:1/";

    [Fact]
    public async Task The_test_provider_trades_a_code_once_and_only_for_the_verifier_of_its_challenge()
    {
        jam.Provider.ClientId = ProviderJamFixture.ClientId;
        jam.Provider.NextUser = new ProviderUser("idp|" + JamClient.NewId(), "Pat", [ProviderGroups.Staff]);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(jam.Provider.Issuer + "/") };
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

        async Task<string> CodeAsync(string state)
        {
            var authorize = await http.GetAsync(AuthorizePath(state, challenge)).Timely();
            Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
            var back = authorize.Headers.Location!.ToString();
            Assert.StartsWith(RedirectUri + "?code=", back, StringComparison.Ordinal);
            Assert.EndsWith("&state=" + state, back, StringComparison.Ordinal);
            return back[(RedirectUri.Length + "?code=".Length)..back.IndexOf("&state", StringComparison.Ordinal)];
        }

        Task<HttpResponseMessage> TradeAsync(string code, string withVerifier) => http.PostAsync("token", new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri,
                ["client_id"] = ProviderJamFixture.ClientId, ["code_verifier"] = withVerifier,
            })).Timely();

        // A wrong verifier spends the code, as at a real provider: the right one then finds it gone.
        var first = await CodeAsync("s1");
        Assert.Equal(HttpStatusCode.BadRequest, (await TradeAsync(first, verifier + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await TradeAsync(first, verifier)).StatusCode);

        var second = await CodeAsync("s2");
        var tokens = await TradeAsync(second, verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        var accessToken = (await tokens.Content.ReadFromJsonAsync<JsonElement>().Timely()).GetProperty("access_token").GetString()!;
        using var asPat = jam.As(accessToken);
        Assert.Equal("Pat", (await asPat.GetFromJsonAsync<AuthConfigEndpoint.Caller>("api/me").Timely())!.Name);
        Assert.Equal(HttpStatusCode.BadRequest, (await TradeAsync(second, verifier)).StatusCode);

        jam.Provider.NextUser = null;
        var refused = await http.GetAsync(AuthorizePath("s3", challenge)).Timely();
        Assert.Equal(RedirectUri + "?error=access_denied&state=s3", refused.Headers.Location!.ToString());
    }

    private static string AuthorizePath(string state, string challenge) =>
        $"authorize?response_type=code&client_id={ProviderJamFixture.ClientId}&redirect_uri={Uri.EscapeDataString(RedirectUri)}"
        + $"&state={state}&code_challenge={challenge}&code_challenge_method=S256";
}
