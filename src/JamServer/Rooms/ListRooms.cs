using JamServer.Infrastructure;
using Polly.Registry;

namespace JamServer.Rooms;

public sealed record RoomDto(string Id, string Title, string Description, long Online, long Posts);

public static class ListRooms
{
    // Only the store read goes through the store pipeline: a Redis that hangs must not count against PostgreSQL's circuit.
    public static void MapRoomsEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/rooms", async (RoomCatalog catalog, RoomPresence presence, ResiliencePipelineProvider<string> pipelines, CancellationToken ct) =>
        {
            var rooms = await pipelines.StoreAsync(catalog.LoadAllAsync, ct);
            var online = await presence.CountAsync(rooms.Select(r => r.Id));
            return rooms.Select(r => new RoomDto(r.Id, r.Title, r.Description, online[r.Id], r.LastSeq)).ToList();
        });
}
