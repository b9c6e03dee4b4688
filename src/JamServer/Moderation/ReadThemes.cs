using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Rooms;

namespace JamServer.Moderation;

public sealed record ThemesDto(string? RoomId, int WindowMinutes, IReadOnlyList<Theme> Themes);

/// <summary>GET /api/moderation/themes?roomId=&amp;window=&amp;top=: the emerging themes of the last window (minutes).</summary>
public static class ReadThemes
{
    public static void MapThemesEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/moderation/themes", async (
                string? roomId, int? window, int? top, ModerationFeed feed, ModerationAnalytics analytics, RoomCatalog rooms,
                TimeProvider clock, CancellationToken ct) =>
            {
                var minutes = window ?? (int)ThemeIndex.DefaultWindow.TotalMinutes;
                var span = TimeSpan.FromMinutes(minutes);
                if (span < ThemeIndex.MinWindow || span > ThemeIndex.MaxWindow)
                {
                    throw JamException.InvalidInput(
                        $"window is in minutes, from {ThemeIndex.MinWindow.TotalMinutes} to {ThemeIndex.MaxWindow.TotalMinutes}.");
                }

                if (top is < 1 or > ThemeIndex.MaxTop)
                {
                    throw JamException.InvalidInput($"top must be between 1 and {ThemeIndex.MaxTop}.");
                }

                var room = await ModerationScope.RoomAsync(roomId, rooms, feed, ct);
                return new ThemesDto(room, minutes, analytics.Themes.Emerging(room, clock.GetUtcNow(), span, top ?? ThemeIndex.DefaultTop));
            })
            .RequireAuthorization(Roles.Moderation);
}
