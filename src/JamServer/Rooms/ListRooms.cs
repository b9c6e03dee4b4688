using JamServer.Infrastructure;

namespace JamServer.Rooms;

public sealed record RoomDto(string Id, string Title, string Description, long Online, long Posts);

public static class ListRooms
{
    public static void MapRoomsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/rooms", async (RoomCatalog catalog, RoomPresence presence, CancellationToken ct) =>
        {
            var rooms = await catalog.LoadAllAsync(ct);
            var online = await presence.CountAsync(rooms.Select(r => r.Id));
            return rooms.Select(r => new RoomDto(r.Id, r.Title, r.Description, online[r.Id], r.LastSeq)).ToList();
        })
        .ReadsStore();
}
