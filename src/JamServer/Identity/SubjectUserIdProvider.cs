using Microsoft.AspNetCore.SignalR;

namespace JamServer.Identity;

/// <summary>A connection's user is the token's subject, the participant id.</summary>
public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(JamClaims.Subject)?.Value;
}
