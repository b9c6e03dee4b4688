using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Identity;

[Collection(LiveJamCollection.Name)]
public sealed class InviteTests(JamServerFixture jam)
{
    private async Task<Invites.Created> InviteAsync(object request)
    {
        using var organizer = jam.Server.As(await jam.SignInAsync("organizer"));
        var response = await organizer.PostAsJsonAsync("api/invites", request).Timely();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Invites.Created>().Timely())!;
    }

    private async Task<HttpResponseMessage> RedeemAsync(string code, string name = "Guest") =>
        await jam.Anonymous.PostAsJsonAsync("api/invites/redeem", new { code, displayName = name }).Timely();

    private static JsonElement ClaimsOf(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload))).RootElement;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);
    }

    [Fact]
    public async Task A_guest_redeems_an_invite_once_for_a_token_of_the_invited_role_and_kind_and_the_code_is_stored_only_hashed()
    {
        var invite = await InviteAsync(new { role = "participant", kind = "customer" });
        Assert.Equal((1, "participant", "customer"), (invite.MaxUses, invite.Role, invite.Kind));

        var redeemed = await RedeemAsync(invite.Code.ToLowerInvariant().Replace("-", " "), "Carla from Contoso");
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        var signedIn = (await redeemed.Content.ReadFromJsonAsync<DemoSignIn.Response>().Timely())!;
        var claims = ClaimsOf(signedIn.Token);
        Assert.Equal(("participant", "customer", "Carla from Contoso", signedIn.ParticipantId),
            (claims.GetProperty("role").GetString(), claims.GetProperty("kind").GetString(),
                claims.GetProperty("name").GetString(), claims.GetProperty("sub").GetString()));

        await using var guest = await JamClient.ConnectAsync(jam.Server.BaseAddress, new SignedIn(signedIn.Token, signedIn.ParticipantId, "Carla"));
        await guest.JoinAsync("retail-experience");
        var ack = await guest.PostAsync("retail-experience", "Hello from a customer");
        Assert.Equal("Carla from Contoso", (await guest.WaitForPostAsync(p => p.PostId == ack.PostId)).AuthorName);

        await AssertRefusedAsync(await RedeemAsync(invite.Code), HttpStatusCode.Conflict, ErrorCodes.InviteUsedUp);

        var hash = Invites.HashOf(invite.Code);
        var stored = await EventLog.ReadAsync(jam.Server.JamId, InviteView.StreamIdOf(hash), "invite_created");
        var text = Assert.Single(stored).GetRawText();
        Assert.DoesNotContain(invite.Code, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(invite.Code.Replace("-", ""), text, StringComparison.OrdinalIgnoreCase);
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, InviteView.StreamIdOf(hash), "invite_redeemed"));
    }

    [Fact]
    public async Task A_resend_of_a_redemption_with_the_same_client_id_becomes_the_same_participant_and_uses_the_invite_once()
    {
        var invite = await InviteAsync(new { kind = "customer" });
        var clientId = "redeem-" + Guid.NewGuid().ToString("N");

        var answers = new List<DemoSignIn.Response>();
        foreach (var name in new[] { "Dana", "Dana again" })
        {
            var response = await jam.Anonymous.PostAsJsonAsync("api/invites/redeem", new { code = invite.Code, displayName = name, clientId }).Timely();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((await response.Content.ReadFromJsonAsync<DemoSignIn.Response>().Timely())!);
        }

        Assert.Equal(answers[0].ParticipantId, answers[1].ParticipantId);
        Assert.All(answers, a => Assert.Equal(
            (answers[0].ParticipantId, "Dana", "customer"),
            (ClaimsOf(a.Token).GetProperty("sub").GetString(), ClaimsOf(a.Token).GetProperty("name").GetString(),
                ClaimsOf(a.Token).GetProperty("kind").GetString())));
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, InviteView.StreamIdOf(Invites.HashOf(invite.Code)), "invite_redeemed"));

        // Another client holding the same single-use code finds it used.
        var other = await jam.Anonymous.PostAsJsonAsync(
            "api/invites/redeem", new { code = invite.Code, displayName = "Eve", clientId = "redeem-" + Guid.NewGuid().ToString("N") }).Timely();
        await AssertRefusedAsync(other, HttpStatusCode.Conflict, ErrorCodes.InviteUsedUp);
        await AssertRefusedAsync(
            await jam.Anonymous.PostAsJsonAsync("api/invites/redeem", new { code = invite.Code, displayName = "Eve", clientId = "not ok!" }).Timely(),
            HttpStatusCode.BadRequest, ErrorCodes.InvalidInput);
    }

    [Fact]
    public async Task Sends_of_one_client_racing_for_a_single_use_invite_all_become_the_same_participant()
    {
        var invite = await InviteAsync(new { });
        var clientId = "redeem-" + Guid.NewGuid().ToString("N");
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            jam.Anonymous.PostAsJsonAsync("api/invites/redeem", new { code = invite.Code, displayName = "Finn", clientId }).Timely()));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var ids = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<DemoSignIn.Response>().Timely())!.ParticipantId));
        Assert.Single(ids.Distinct());
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, InviteView.StreamIdOf(Invites.HashOf(invite.Code)), "invite_redeemed"));
    }

    [Fact]
    public async Task An_invite_for_several_is_redeemed_at_most_that_many_times_even_at_once()
    {
        var invite = await InviteAsync(new { kind = "partner", maxUses = 3 });
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => RedeemAsync(invite.Code, $"Partner {i}")));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
    }

    [Fact]
    public async Task An_expired_or_unknown_code_or_a_bad_request_is_refused_clearly()
    {
        var brief = await InviteAsync(new { validFor = "00:00:01" });
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await AssertRefusedAsync(await RedeemAsync(brief.Code), HttpStatusCode.Gone, ErrorCodes.InviteExpired);
        await AssertRefusedAsync(await RedeemAsync("JAM-00000000-00000000-00000000-00000000"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await AssertRefusedAsync(await RedeemAsync(brief.Code, ""), HttpStatusCode.BadRequest, ErrorCodes.InvalidInput);

        using var organizer = jam.Server.As(await jam.SignInAsync("organizer"));
        foreach (var bad in new object[] { new { role = "king" }, new { kind = "alien" }, new { maxUses = 0 }, new { validFor = "-00:01:00" }, new { validFor = "365.00:00:00" } })
        {
            await AssertRefusedAsync(await organizer.PostAsJsonAsync("api/invites", bad).Timely(), HttpStatusCode.BadRequest, ErrorCodes.InvalidInput);
        }
    }

    [Theory]
    [InlineData("participant")]
    [InlineData("moderator")]
    [InlineData("executive")]
    public async Task Only_organizers_make_invites(string role)
    {
        using var http = jam.Server.As(await jam.SignInAsync(role));
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync("api/invites", new { }).Timely()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await jam.Anonymous.PostAsJsonAsync("api/invites", new { }).Timely()).StatusCode);
    }
}
