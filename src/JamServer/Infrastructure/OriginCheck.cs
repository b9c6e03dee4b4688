using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// Refuses hub requests (negotiation and WebSocket upgrade) from a browser page on another origin than the server's
/// own or <see cref="JamOptions.AllowedOrigins"/>. CORS is not enabled, so other origins cannot call the HTTP API from
/// a browser either.
/// </summary>
public static class OriginCheck
{
    public static WebApplication UseHubOriginCheck(this WebApplication app)
    {
        var allowed = app.Services.GetRequiredService<IOptions<JamOptions>>().Value.AllowedOrigins
            .Select(o => o.TrimEnd('/'))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var metrics = app.Services.GetRequiredService<JamMetrics>();
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/hubs")
                && http.Request.Headers.Origin is [{ } origin]
                && !IsAllowed(origin, http.Request, allowed))
            {
                metrics.Error(ErrorCodes.Forbidden, JamMetrics.Http);
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                await http.Response.WriteAsJsonAsync(new ErrorBody(ErrorCodes.Forbidden, $"Pages from {origin} may not connect to this jam."));
                return;
            }

            await next(http);
        });
        return app;
    }

    public static bool IsAllowed(string origin, HttpRequest request, IReadOnlySet<string> allowed) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase) || allowed.Contains(origin);
}
