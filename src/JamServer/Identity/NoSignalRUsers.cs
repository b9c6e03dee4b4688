using Microsoft.AspNetCore.SignalR;

namespace JamServer.Identity;

/// <summary>
/// JamServer never sends to a SignalR "user" (a participant's presence and posts go by room, from the token's
/// subject). Without a user id, SignalR's Redis backplane does not subscribe a Redis channel per user for every
/// connection, which saves memory on every held connection (docs/performance.md).
/// </summary>
public sealed class NoSignalRUsers : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => null;
}
