using System.Net;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Discussion;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Identity;

[Collection(LiveJamCollection.Name)]
public sealed class IdentityTests(JamServerFixture jam)
{
    [Fact]
    public async Task Demo_sign_in_returns_a_token_the_hub_accepts()
    {
        var who = await jam.SignInAsync("moderator", "partner");

        Assert.StartsWith("p-", who.ParticipantId, StringComparison.Ordinal);
        await using var client = await JamClient.ConnectAsync(jam.Server.BaseAddress, who);
        var ack = await client.PostAsync("ethics-governance", "Moderators speak too");
        Assert.True(ack.Seq > 0);
    }

    [Fact]
    public async Task Who_wrote_a_post_comes_from_the_token_whatever_the_request_says()
    {
        await using var mallory = await jam.ConnectAsync();
        var victim = await jam.SignInAsync();
        await mallory.JoinAsync("privacy");

        var ack = await mallory.Connection.InvokeAsync<JamServer.Discussion.PostAck>("Post", new
        {
            roomId = "privacy",
            parentId = (string?)null,
            body = "Posted in someone else's name?",
            clientId = JamClient.NewId(),
            authorId = victim.ParticipantId,
            authorName = victim.Name,
        }).Timely();

        var stored = await mallory.WaitForPostAsync(p => p.PostId == ack.PostId);
        Assert.Equal((mallory.Who.ParticipantId, mallory.Who.Name), (stored.AuthorId, stored.AuthorName));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwLXgiLCJyb2xlIjoib3JnYW5pemVyIn0.c2lnbmF0dXJlLWZyb20tc29tZXdoZXJlLWVsc2U")]
    public async Task The_hub_refuses_a_missing_or_bad_token(string? token)
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            JamClient.ConnectAsync(jam.Server.BaseAddress, new SignedIn(token!, "p-x", "X")));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("""{"displayName":"","role":"participant","kind":"employee"}""")]
    [InlineData("""{"displayName":"Ann","role":"king","kind":"employee"}""")]
    [InlineData("""{"displayName":"Ann","role":"participant","kind":"alien"}""")]
    [InlineData("""{"displayName":42}""")]
    [InlineData("""{"displayName":"Ann",""")]
    public async Task Demo_sign_in_refuses_bad_input_with_a_clear_error(string body)
    {
        using var http = jam.Server.As();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        await BadInputTests.AssertErrorAsync(() => http.PostAsync("api/auth/demo", content), HttpStatusCode.BadRequest, "INVALID_INPUT");
    }

    [Fact]
    public async Task The_health_endpoints_report_live_and_ready()
    {
        using var http = jam.Server.As();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live").Timely()).StatusCode);
        var ready = await http.GetAsync("health/ready").Timely();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_jam_and_its_rooms_are_listed()
    {
        using var http = jam.Server.As();

        var info = await http.GetFromJsonAsync<JamInfo>("api/jam").Timely();
        Assert.Equal(jam.Server.JamId, info!.Id);
        Assert.Equal("Discussion", info.Phase);
        Assert.True(info.PhaseEndsAt > info.ServerTime);
        var rooms = await http.GetFromJsonAsync<List<JamServer.Rooms.RoomDto>>("api/rooms").Timely();
        Assert.True(rooms!.Count >= 50);
        Assert.Equal("ai-assistants", rooms[0].Id);
    }

    private sealed record JamInfo(string Id, string Title, string Phase, DateTime PhaseEndsAt, DateTime ServerTime);
}
