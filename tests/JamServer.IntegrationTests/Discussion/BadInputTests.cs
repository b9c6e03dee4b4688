using System.Net;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Rooms;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Discussion;

[Collection(LiveJamCollection.Name)]
public sealed class BadInputTests(JamServerFixture jam)
{
    public static TheoryData<string, string, object?[]> BadCalls => new()
    {
        { "INVALID_INPUT", "Post", [new PostRequest("oceans", null, "", "c")] },
        { "INVALID_INPUT", "Post", [new PostRequest("oceans", null, "   ", "c")] },
        { "INVALID_INPUT", "Post", [new PostRequest("oceans", null, new string('x', WritePost.MaxBodyLength + 1), "c")] },
        { "INVALID_INPUT", "Post", [new PostRequest("oceans", null, "no client id", null)] },
        { "INVALID_INPUT", "Post", [new PostRequest(null, null, "no room", "c")] },
        { "INVALID_INPUT", "Post", [null] },
        { "NOT_FOUND", "Post", [new PostRequest("no-such-room", null, "hello", "c")] },
        { "NOT_FOUND", "Post", [new PostRequest("oceans", "no-such-post", "hello", "c")] },
        { "NOT_FOUND", "JoinRoom", ["no-such-room", 0L] },
        { "INVALID_INPUT", "JoinRoom", ["oceans", -1L] },
        { "INVALID_INPUT", "JoinRoom", ["", 0L] },
        { "INVALID_INPUT", "JoinRoom", ["oceans", "not-a-number"] },
        { "INVALID_INPUT", "JoinRoom", ["oceans"] },
        { "INVALID_INPUT", "NoSuchMethod", [] },
        { "INVALID_INPUT", "LeaveRoom", ["*"] },
        { "INVALID_INPUT", "Flag", ["", "spam"] },
        { "INVALID_INPUT", "Flag", ["some-post", "boring"] },
        { "NOT_FOUND", "Flag", ["no-such-post", "spam"] },
        { "FORBIDDEN", "HidePost", ["some-post", "why"] },
        { "FORBIDDEN", "RestorePost", ["some-post", "why"] },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task Every_bad_hub_call_gets_its_code_changes_nothing_and_the_connection_stays_usable(
        string code, string method, object?[] args)
    {
        await using var client = await jam.ConnectAsync();
        var before = await PostsInAsync("oceans");

        var refused = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeCoreAsync(method, typeof(object), args).Timely());

        Assert.StartsWith(code + ": ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await PostsInAsync("oceans"));
        var ok = await client.PostAsync("oceans", "Still here");
        Assert.Equal(before + 1, ok.Seq);
    }

    [Fact]
    public async Task A_reply_to_a_post_of_another_room_is_not_found()
    {
        await using var client = await jam.ConnectAsync();
        var elsewhere = await client.PostAsync("space", "A post in space");

        var refused = await Assert.ThrowsAsync<HubException>(() =>
            client.PostAsync("biodiversity", "Wrong room reply", parentId: elsewhere.PostId));

        Assert.StartsWith("NOT_FOUND: ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_participant_who_floods_is_rate_limited_and_keeps_a_usable_connection()
    {
        await using var client = await jam.ConnectAsync();
        var outcomes = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            try
            {
                await client.PostAsync("housing", $"Flood {i}");
                outcomes.Add("ok");
            }
            catch (HubException refused)
            {
                outcomes.Add(refused.Message.Split(':')[0]);
            }
        }

        Assert.Contains("RATE_LIMITED", outcomes);
        Assert.All(outcomes, o => Assert.Contains(o, new[] { "ok", "RATE_LIMITED" }));
        await Within.EventuallyAsync(async () =>
        {
            try
            {
                await client.PostAsync("housing", "After the flood");
                return true;
            }
            catch (HubException)
            {
                return false;
            }
        }, "the rate limit lets a post through again");
    }

    [Fact]
    public async Task The_posts_endpoint_pages_in_order_and_refuses_bad_queries_with_codes()
    {
        var who = await jam.SignInAsync();
        await using var client = await JamClient.ConnectAsync(jam.Server.BaseAddress, who);
        var first = await client.PostAsync("wellbeing", "One");
        var second = await client.PostAsync("wellbeing", "Two");
        await client.PostAsync("wellbeing", "Three");
        using var http = jam.Server.As(who);

        var page = await http.GetFromJsonAsync<List<PostDto>>($"api/rooms/wellbeing/posts?after={first.Seq - 1}&limit=2").Timely();
        Assert.Equal([first.PostId, second.PostId], page!.Select(p => p.PostId));

        await AssertErrorAsync(() => http.GetAsync("api/rooms/nowhere/posts"), HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertErrorAsync(() => http.GetAsync("api/rooms/wellbeing/posts?limit=0"), HttpStatusCode.BadRequest, "INVALID_INPUT");
        await AssertErrorAsync(() => http.GetAsync("api/rooms/wellbeing/posts?after=-3"), HttpStatusCode.BadRequest, "INVALID_INPUT");
        await AssertErrorAsync(() => http.GetAsync("api/rooms/wellbeing/posts?after=abc"), HttpStatusCode.BadRequest, "INVALID_INPUT");
        using var anonymous = jam.Server.As();
        await AssertErrorAsync(() => anonymous.GetAsync("api/rooms/wellbeing/posts"), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using var textBody = new StringContent("phase=Voting");
        await AssertErrorAsync(() => http.PostAsync("api/jam/phase", textBody), HttpStatusCode.UnsupportedMediaType, "INVALID_INPUT");
        await AssertErrorAsync(() => http.GetAsync("api/no-such-thing"), HttpStatusCode.NotFound, "NOT_FOUND");
    }

    internal static async Task AssertErrorAsync(Func<Task<HttpResponseMessage>> call, HttpStatusCode status, string code)
    {
        using var response = await call().Timely();
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<ErrorBody>().Timely();
        Assert.Equal(code, body!.Code);
        Assert.False(string.IsNullOrWhiteSpace(body.Message));
    }

    private async Task<long> PostsInAsync(string roomId)
    {
        using var http = jam.Server.As();
        var rooms = await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely();
        return rooms!.Single(r => r.Id == roomId).Posts;
    }

    internal sealed record ErrorBody(string Code, string Message);
}
