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
            // Checked where a connection starts: its negotiation, or a WebSocket opened without one (no connection id).
            // The later requests of a connection (its transport, long polling's polls) are not counted again.
            if (http.User.Identity?.IsAuthenticated == true && IsNewConnection(http)
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

    internal static bool IsNewConnection(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/hubs/jam", out var rest)
        && (rest.Equals("/negotiate", StringComparison.Ordinal)
            || (rest.Value is null or "" or "/" && IsWebSocketUpgrade(http.Request) && !http.Request.Query.ContainsKey("id")));

    // SignalR adds the WebSocket feature in its own pipeline, after this middleware: read the request itself.
    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        request.Headers.Upgrade.Any(value => string.Equals(value, "websocket", StringComparison.OrdinalIgnoreCase));
}
