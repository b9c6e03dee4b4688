using System.Net.Http.Json;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using JamServer.Rooms;

namespace JamServer.IntegrationTests.Rooms;

[Collection(LiveJamCollection.Name)]
public sealed class PresenceTests(JamServerFixture jam)
{
    [Fact]
    public async Task Presence_counts_people_in_a_room_and_is_pushed_to_its_members()
    {
        await using var ann = await jam.ConnectAsync();
        await ann.JoinAsync("privacy");
        await ann.WaitForPresenceAsync(p => p is { RoomId: "privacy", Online: 1 });

        var bo = await jam.ConnectAsync();
        await bo.JoinAsync("privacy");
        await using (var boSecondTab = await JamClient.ConnectAsync(jam.Server.BaseAddress, bo.Who))
        {
            await boSecondTab.JoinAsync("privacy");
            await ann.WaitForPresenceAsync(p => p is { RoomId: "privacy", Online: 2 });
            Assert.Equal(2, await OnlineInAsync("privacy"));
        }

        var pushedSoFar = ann.Presence.Count;
        await bo.Connection.InvokeAsync("LeaveRoom", "privacy").Timely();
        await bo.DisposeAsync();
        await Within.EventuallyAsync(async () => await OnlineInAsync("privacy") == 1, "only Ann is left in the room");
        await ann.WaitForPresenceAsync(p => p is { RoomId: "privacy", Online: 1 }, skip: pushedSoFar);
    }

    private async Task<long> OnlineInAsync(string roomId)
    {
        using var http = jam.Server.As();
        var rooms = await http.GetFromJsonAsync<List<RoomDto>>("api/rooms").Timely();
        return rooms!.Single(r => r.Id == roomId).Online;
    }
}
