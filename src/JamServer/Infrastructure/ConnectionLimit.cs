using System.Globalization;
using JamServer.Identity;
using JamServer.Rooms;
using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// Refuses a participant's hub connection beyond <see cref="JamOptions.MaxConnectionsPerParticipant"/> open ones,
/// before the WebSocket opens. Counted by presence in Redis, so it holds across nodes; connections opening at the same
/// moment may pass it by a few, and while Redis is away nothing is counted or refused.
/// </summary>
public static class ConnectionLimit
{
    public static WebApplication UseHubConnectionLimit(this WebApplication app)
    {
        var max = app.Services.GetRequiredService<IOptions<JamOptions>>().Value.MaxConnectionsPerParticipant;
        var presence = app.Services.GetRequiredService<RoomPresence>();
        app.Use(async (http, next) =>
        {
            // The connection itself, not its negotiation: only an opening connection counts.
            if (http.Request.Path.StartsWithSegments("/hubs/jam", out var rest) && !rest.StartsWithSegments("/negotiate")
                && http.User.Identity?.IsAuthenticated == true
                && await presence.ConnectionsOfAsync(http.User.ParticipantId()) >= max)
            {
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await http.Response.WriteAsJsonAsync(new ErrorBody(
                    ErrorCodes.TooManyConnections,
                    string.Create(CultureInfo.InvariantCulture, $"You have {max} connections open already; close one (another tab or device) first.")));
                return;
            }

            await next(http);
        });
        return app;
    }
}
