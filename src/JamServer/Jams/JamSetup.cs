using System.Text.Json;
using JamServer.Infrastructure;
using Marten;
using Microsoft.Extensions.Options;

namespace JamServer.Jams;

/// <summary>The jam's title and topics, read from the definition file the first time the jam is created.</summary>
public sealed record JamDefinition(string Title, IReadOnlyList<RoomDefinition> Rooms);

public sealed record RoomDefinition(string Id, string Title, string Description);

/// <summary>Creates the jam on first start (a no-op afterwards) and loads its state before the server takes requests.</summary>
public sealed class JamSetup(IDocumentStore store, JamState jam, IOptions<JamOptions> options, TimeProvider clock)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using (var session = store.LightweightSession())
        {
            var state = await session.Events.FetchStreamStateAsync(settings.JamId, cancellationToken);
            if (state is null)
            {
                session.Events.StartStream(settings.JamId, CreationEvents(settings, ReadDefinition(settings), clock.GetUtcNow()));
                try
                {
                    await session.SaveChangesAsync(cancellationToken);
                }
                catch (Exception ex) when (Resilience.IsConflict(ex))
                {
                    // Another node created it first.
                }
            }
        }

        await PhaseGuard.EnsureAsync(store, cancellationToken);
        await jam.RefreshAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static object[] CreationEvents(JamOptions settings, JamDefinition definition, DateTimeOffset now)
    {
        var startsAt = settings.DemoMode ? now : settings.DiscussionStartsAt ?? now;
        var events = new List<object>
        {
            new JamScheduled(
                settings.JamId, definition.Title, settings.DiscussionLength, settings.VotingLength, startsAt,
                settings.VoteBudget, settings.ShortlistSize, now),
        };
        events.AddRange(definition.Rooms.Select((r, i) => new RoomOpened(settings.JamId, r.Id, r.Title, r.Description, i, now)));
        if (startsAt <= now)
        {
            events.Add(new JamPhaseChanged(settings.JamId, JamPhase.Discussion, startsAt + settings.DiscussionLength, AdvancePhase.BySchedule, now));
        }

        return events.ToArray();
    }

    private static JamDefinition ReadDefinition(JamOptions settings)
    {
        var path = Path.IsPathRooted(settings.DefinitionFile)
            ? settings.DefinitionFile
            : Path.Combine(AppContext.BaseDirectory, settings.DefinitionFile);
        using var file = File.OpenRead(path);
        var definition = JsonSerializer.Deserialize<JamDefinition>(file, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException($"{path} holds no jam definition.");
        if (definition.Rooms.Count == 0 || definition.Rooms.Select(r => r.Id).Distinct().Count() != definition.Rooms.Count
            || definition.Rooms.Any(r => string.IsNullOrWhiteSpace(r.Id) || r.Id == settings.JamId))
        {
            // A room's event stream is named by its id, beside the jam's own stream.
            throw new InvalidOperationException($"{path} must list rooms with distinct ids, none equal to the jam id.");
        }

        return definition;
    }
}
