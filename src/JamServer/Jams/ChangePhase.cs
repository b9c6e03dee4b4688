using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Live;
using Marten;
using Polly.Registry;

namespace JamServer.Jams;

/// <summary>Moves the jam's phase, by the schedule or by an organizer, exactly once however many triggers race.</summary>
public sealed partial class ChangePhase(
    IDocumentStore store,
    JamState jam,
    JamIdentity identity,
    RoomFanout fanout,
    TimeProvider clock,
    Voting.ShortlistPublisher shortlist,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<ChangePhase> log)
{
    public sealed record Request(string? Phase);

    public Task<JamView> ByScheduleAsync(CancellationToken ct) =>
        AppendAsync(view => AdvancePhase.DecideBySchedule(view, clock.GetUtcNow()), ct);

    public Task<JamView> ByOrganizerAsync(JamPhase target, string organizerId, CancellationToken ct) =>
        AppendAsync(view => [AdvancePhase.DecideByOrganizer(view, target, organizerId, clock.GetUtcNow())], ct);

    /// <summary>
    /// Decides against the stored state and appends at its exact version; a race loses and decides again. A change is
    /// told once committed, also when the commit came after the caller was told UNAVAILABLE: the phase clock's next
    /// poll would find the jam moved but, deciding nothing itself, would not push it.
    /// </summary>
    private async Task<JamView> AppendAsync(Func<JamView, IReadOnlyList<JamPhaseChanged>> decide, CancellationToken ct)
    {
        var (view, moved) = await pipelines.StoreThenAsync(token => StoreAsync(decide, token), TellAsync, log, ct);
        return moved ? jam.Current : view;
    }

    /// <summary>Committed: tell everyone even if the caller has gone away meanwhile.</summary>
    private async Task TellAsync((JamView View, bool Moved) stored)
    {
        if (!stored.Moved)
        {
            return;
        }

        var changed = await jam.RefreshAsync(CancellationToken.None);
        if (changed.Phase is JamPhase.Closed)
        {
            shortlist.Nudge();
        }

        try
        {
            await fanout.PushPhaseAsync(JamDto.From(changed, clock.GetUtcNow()));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The change is stored; clients see it in GET /api/jam and in the next push.
            LogPushFailed(log, ex, changed.Phase);
        }
    }

    /// <summary>The jam as read, and whether a change was committed on it.</summary>
    private async Task<(JamView View, bool Moved)> StoreAsync(Func<JamView, IReadOnlyList<JamPhaseChanged>> decide, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var view = await jam.RefreshAsync(ct);
            var changes = decide(view);
            if (changes.Count == 0)
            {
                return (view, false);
            }

            try
            {
                await using var session = store.LightweightSession();
                PhaseGuard.LockForPhaseChange(session);
                session.Events.Append(identity.JamId, view.Version + changes.Count, changes.Cast<object>().ToArray());
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (Resilience.IsConflict(ex) && attempt < 5)
            {
                continue;
            }

            return (view, true);
        }
    }

    public static void MapPhaseEndpoints(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jam", (JamState jam, TimeProvider clock) => JamDto.From(jam.Current, clock.GetUtcNow()));

        app.MapPost("/api/jam/phase", async (Request? request, ChangePhase phases, TimeProvider clock, HttpContext http, CancellationToken ct) =>
            {
                var target = AdvancePhase.ParsePhase(request?.Phase);
                var changed = await phases.ByOrganizerAsync(target, http.User.ParticipantId(), ct);
                return JamDto.From(changed, clock.GetUtcNow());
            })
            .RequireAuthorization(Roles.Organizer);
    }

    [LoggerMessage(LogLevel.Warning, "The jam moved to {Phase} but the push to clients failed")]
    private static partial void LogPushFailed(ILogger logger, Exception ex, JamPhase phase);
}
