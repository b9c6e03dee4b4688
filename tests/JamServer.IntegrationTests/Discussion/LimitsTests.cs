using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Live;
using JamServer.Rooms;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Discussion;

/// <summary>The limits of docs/protocol.md ("Limits") as the running server enforces them, and text cleaning end to end.</summary>
[Collection(LiveJamCollection.Name)]
public sealed class LimitsTests(JamServerFixture jam)
{
    /// <summary>"x", then U+D800 written the way UTF-8 writes other code points (which UTF-8 forbids for surrogates), then "y".</summary>
    private static readonly byte[] LoneSurrogateInUtf8Pattern = [0x78, 0xed, 0xa0, 0x80, 0x79];

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.MessagePack)]
    public async Task A_message_over_the_size_limit_closes_only_its_own_connection_with_a_coded_reason(Wire wire)
    {
        var who = await jam.SignInAsync();
        await using var other = await JamClient.ConnectAsync(jam.Server.BaseAddress, who);
        await other.JoinAsync("energy-grids");
        await using var raw = await RawHub.ConnectAsync(jam.Server, who, wire);
        var body = new string('x', JamHubProtocol.MaxMessageSize);

        if (wire == Wire.Json)
        {
            await raw.InvokeJsonAsync("1", "Post", $"[{{\"roomId\":\"energy\",\"body\":\"{body}\",\"clientId\":\"big\"}}]");
        }
        else
        {
            await raw.InvokeMessagePackAsync("1", "Post", (ref MessagePack.MessagePackWriter w) =>
            {
                w.WriteArrayHeader(1);
                w.WriteMapHeader(3);
                w.Write("roomId");
                w.Write("energy-grids");
                w.Write("body");
                w.Write(body);
                w.Write("clientId");
                w.Write("big");
            });
        }

        var closed = await raw.NextReplyAsync(Within.Default);
        Assert.Equal(7, closed?.Type);
        Assert.Equal("INVALID_INPUT: A hub message is at most 32768 bytes; this one is larger, so the connection is closed.", closed!.Error);
        Assert.Null(await raw.NextReplyAsync(TimeSpan.FromSeconds(5)));

        // The participant's other connection, on the same node, goes on as before.
        var ack = await other.PostAsync("energy-grids", "Fine over here");
        await other.WaitForPostAsync(p => p.PostId == ack.PostId).Timely();
        Assert.DoesNotContain(other.Posts, p => p.Body.Length > WritePost.MaxBodyLength);
    }

    [Fact]
    public async Task A_message_just_under_the_size_limit_is_taken()
    {
        await using var client = await jam.ConnectAsync();

        // The body limit (5000 characters) refuses it, not the message limit: the connection stays open.
        var refused = await Assert.ThrowsAsync<HubException>(() => client.PostAsync("energy-grids", new string('y', 30_000)));

        Assert.StartsWith("INVALID_INPUT: A post's body is at most 5000 characters", refused.Message, StringComparison.Ordinal);
        await client.PostAsync("energy-grids", "Still open");
    }

    [Fact]
    public async Task A_connection_joins_at_most_twenty_rooms_and_may_join_another_after_leaving_one()
    {
        await using var client = await jam.ConnectAsync();
        var rooms = await RoomIdsAsync();
        foreach (var room in rooms.Take(JoinRoom.MaxRoomsPerConnection))
        {
            await client.JoinAsync(room);
        }

        // Joining one of its rooms again (paging) is not a new room.
        await client.JoinAsync(rooms[0]);
        var refused = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(rooms[JoinRoom.MaxRoomsPerConnection]));
        Assert.Equal("INVALID_INPUT: A connection can be in at most 20 rooms; leave one first.", refused.Message);

        await client.Connection.InvokeAsync("LeaveRoom", rooms[0]).Timely();
        await client.JoinAsync(rooms[JoinRoom.MaxRoomsPerConnection]);
    }

    [Fact]
    public async Task Replies_nest_eight_deep_and_no_deeper()
    {
        await using var client = await jam.ConnectAsync();
        var parent = await client.PostAsync("food-security", "Depth 0");
        for (var depth = 1; depth <= WritePost.MaxDepth; depth++)
        {
            parent = await client.PostAsync("food-security", $"Depth {depth}", parentId: parent.PostId);
        }

        var refused = await Assert.ThrowsAsync<HubException>(() => client.PostAsync("food-security", "Depth 9", parentId: parent.PostId));

        Assert.StartsWith("INVALID_INPUT: Replies nest at most 8 deep", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_decomposed_body_is_stored_and_pushed_in_nfc()
    {
        var who = await jam.SignInAsync();
        await using var client = await JamClient.ConnectAsync(jam.Server.BaseAddress, who);
        await client.JoinAsync("media-creativity");

        var ack = await client.PostAsync("media-creativity", "Cafe\u0301 \u212b\u0000ngstr\u00f6m");

        var pushed = await client.WaitForPostAsync(p => p.PostId == ack.PostId);
        Assert.Equal("Caf\u00e9 \u00c5ngstr\u00f6m", pushed.Body);
        using var http = jam.Server.As(who);
        var stored = await http.GetFromJsonAsync<List<PostDto>>($"api/rooms/media-creativity/posts?after={ack.Seq - 1}&limit=1").Timely();
        Assert.Equal("Caf\u00e9 \u00c5ngstr\u00f6m", stored!.Single().Body);
    }

    [Theory]
    [InlineData(Wire.Json)]
    [InlineData(Wire.MessagePack)]
    public async Task A_lone_surrogate_in_any_field_is_invalid_input_and_the_connection_stays_usable(Wire wire)
    {
        var who = await jam.SignInAsync();
        await using (var accepting = await JamClient.ConnectAsync(jam.Server.BaseAddress, who))
        {
        }

        await using var raw = await RawHub.ConnectAsync(jam.Server, who, wire);
        var before = await PostsInAsync("media-creativity");
        string[] fields = ["body", "clientId", "roomId", "parentId"];
        foreach (var field in fields)
        {
            var id = "lone-" + field;
            if (wire == Wire.Json)
            {
                string Value(string name, string normal) => name == field ? "\"x\\ud800y\"" : $"\"{normal}\"";
                await raw.InvokeJsonAsync(id, "Post",
                    $"[{{\"roomId\":{Value("roomId", "media-creativity")},\"parentId\":{Value("parentId", "")},\"body\":{Value("body", "hi")},\"clientId\":{Value("clientId", id)}}}]");
            }
            else
            {
                (string Name, string Normal)[] values = [("roomId", "media-creativity"), ("parentId", ""), ("body", "hi"), ("clientId", id)];
                await raw.InvokeMessagePackAsync(id, "Post", (ref MessagePack.MessagePackWriter w) =>
                {
                    w.WriteArrayHeader(1);
                    w.WriteMapHeader(values.Length);
                    foreach (var (name, normal) in values)
                    {
                        w.Write(name);
                        if (name == field)
                        {
                            w.WriteString(LoneSurrogateInUtf8Pattern);
                        }
                        else
                        {
                            w.Write(normal);
                        }
                    }
                });
            }

            var reply = await raw.NextReplyAsync(Within.Default);
            Assert.Equal((3, id), (reply?.Type, reply?.InvocationId));
            Assert.StartsWith("INVALID_INPUT: ", reply!.Error, StringComparison.Ordinal);
        }

        Assert.Equal(before, await PostsInAsync("media-creativity"));
        await raw.InvokePostAsync("ok", "media-creativity", "A good post after the bad ones");
        var ok = await raw.NextReplyAsync(Within.Default);
        Assert.Equal((3, "ok", (string?)null), (ok?.Type, ok?.InvocationId, ok?.Error));
        Assert.Equal(before + 1, await PostsInAsync("media-creativity"));
    }

    [Theory]
    [InlineData("to=0001-01-01T00:00:00Z")]
    [InlineData("from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("from=1900-01-01T00:00:00Z")]
    public async Task Sentiment_times_far_from_any_jam_are_invalid_input(string query)
    {
        using var http = jam.Server.As(await jam.SignInAsync("moderator"));

        await BadInputTests.AssertErrorAsync(() => http.GetAsync("api/moderation/sentiment?" + query), System.Net.HttpStatusCode.BadRequest, "INVALID_INPUT");
    }

    private async Task<IReadOnlyList<string>> RoomIdsAsync()
    {
        using var http = jam.Server.As();
        return (await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely())!.Select(r => r.Id).ToList();
    }

    private async Task<long> PostsInAsync(string roomId)
    {
        using var http = jam.Server.As();
        var rooms = await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely();
        return rooms!.Single(r => r.Id == roomId).Posts;
    }
}
