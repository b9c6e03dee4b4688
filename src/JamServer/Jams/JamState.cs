using Marten;

namespace JamServer.Jams;

/// <summary>This node's copy of the jam's current state, refreshed on every change and by the phase clock's polls.</summary>
public sealed class JamState(IDocumentStore store, Infrastructure.JamIdentity identity)
{
    private readonly Lock _swap = new();
    private volatile JamView? _current;

    public JamView Current => _current ?? throw new InvalidOperationException("The jam has not been loaded yet.");

    public async Task<JamView> RefreshAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var view = await session.LoadAsync<JamView>(identity.JamId, ct)
            ?? throw new InvalidOperationException($"Jam '{identity.JamId}' does not exist.");
        lock (_swap)
        {
            // Two refreshes can finish out of order; the newer version wins.
            if (_current is null || view.Version >= _current.Version)
            {
                _current = view;
            }

            return _current;
        }
    }
}
