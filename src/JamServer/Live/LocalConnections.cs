using System.Collections.Concurrent;
using JamServer.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.Live;

/// <summary>The hub connections open on this node, so the room fan-out can write to them directly.</summary>
public sealed class LocalConnections(JamMetrics metrics)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _open = new(StringComparer.Ordinal);

    public event Action<string>? Closed;

    public bool TryGet(string connectionId, out HubConnectionContext connection) =>
        _open.TryGetValue(connectionId, out connection!);

    /// <summary>Every connection open on this node now.</summary>
    public ICollection<HubConnectionContext> All => _open.Values;

    internal void Opened(HubConnectionContext connection)
    {
        _open[connection.ConnectionId] = connection;
        metrics.ConnectionOpened();
    }

    internal void Gone(HubConnectionContext connection)
    {
        if (_open.TryRemove(connection.ConnectionId, out _))
        {
            metrics.ConnectionClosed();
        }

        Closed?.Invoke(connection.ConnectionId);
    }
}

/// <summary>
/// SignalR's lifetime manager (the Redis backplane, or the in-memory one without it) with one addition: it tells
/// <see cref="LocalConnections"/> which connections open and close. Everything else is the inner manager's.
/// </summary>
public sealed class TrackingLifetimeManager(HubLifetimeManager<JamHub> inner, LocalConnections connections)
    : HubLifetimeManager<JamHub>, IDisposable
{
    public void Dispose() => (inner as IDisposable)?.Dispose();

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await inner.OnConnectedAsync(connection);
        connections.Opened(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        connections.Gone(connection);
        await inner.OnDisconnectedAsync(connection);
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(
        string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(
        string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(
        IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(
        string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(
        IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(
        string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default) =>
        inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(
        IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(
        string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, Microsoft.AspNetCore.SignalR.Protocol.CompletionMessage result) =>
        inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        inner.TryGetReturnType(invocationId, out type);
}
