using Marten;

namespace JamServer.Rooms;

/// <summary>
/// The rooms of the jam. Rooms are only ever added, so a room once seen is cached for good; an unknown id reloads the
/// list at most once every few seconds, so a stream of made-up ids cannot turn into a stream of table reads.
/// </summary>
public sealed class RoomCatalog(IDocumentStore store, TimeProvider clock)
{
    private static readonly TimeSpan ReloadAtMostEvery = TimeSpan.FromSeconds(5);
    private volatile Dictionary<string, RoomView> _known = new();
    private long _loadedAt;

    public async Task<RoomView?> FindAsync(string roomId, CancellationToken ct)
    {
        if (_known.TryGetValue(roomId, out var room))
        {
            return room;
        }

        if (clock.GetElapsedTime(Interlocked.Read(ref _loadedAt)) >= ReloadAtMostEvery)
        {
            await LoadAllAsync(ct);
        }

        return _known.GetValueOrDefault(roomId);
    }

    /// <summary>Every room as stored now, post counts included, in the order of the jam's definition.</summary>
    public async Task<IReadOnlyList<RoomView>> LoadAllAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var rooms = await session.Query<RoomView>().ToListAsync(ct);
        _known = rooms.ToDictionary(r => r.Id, StringComparer.Ordinal);
        Interlocked.Exchange(ref _loadedAt, clock.GetTimestamp());
        return rooms.OrderBy(r => r.Order).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }
}
