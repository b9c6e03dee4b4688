using JamServer.Infrastructure;

namespace JamServer.Jams;

/// <summary>The two ways a jam moves on: its schedule falls due, or an organizer moves it by hand.</summary>
public static class AdvancePhase
{
    public const string BySchedule = "schedule";

    /// <summary>
    /// Every phase whose scheduled end has passed, in order. Each next phase keeps its planned length from the
    /// moment the previous one was due to end, so a server that was down catches up without shifting the plan.
    /// </summary>
    public static IReadOnlyList<JamPhaseChanged> DecideBySchedule(JamView jam, DateTimeOffset now)
    {
        var changes = new List<JamPhaseChanged>();
        var phase = jam.Phase;
        var endsAt = jam.PhaseEndsAt;
        while (phase != JamPhase.Closed && endsAt is { } due && due <= now)
        {
            phase = phase + 1;
            endsAt = phase == JamPhase.Closed ? null : due + jam.LengthOf(phase);
            changes.Add(new JamPhaseChanged(jam.Id, phase, endsAt, BySchedule, now));
        }

        return changes;
    }

    /// <summary>An organizer moves the jam forward now; the new phase gets its full planned length from now.</summary>
    public static JamPhaseChanged DecideByOrganizer(JamView jam, JamPhase target, string organizerId, DateTimeOffset now)
    {
        if (target <= jam.Phase)
        {
            throw new JamException(
                ErrorCodes.PhaseOrder,
                $"The jam is in {jam.Phase}; phases only move forward, so it cannot move to {target}.");
        }

        var endsAt = target == JamPhase.Closed ? (DateTimeOffset?)null : now + jam.LengthOf(target);
        return new JamPhaseChanged(jam.Id, target, endsAt, organizerId, now);
    }

    public static JamPhase ParsePhase(string? phase) =>
        Enum.GetValues<JamPhase>().Where(p => string.Equals(p.ToString(), phase?.Trim(), StringComparison.OrdinalIgnoreCase))
            .Select(p => (JamPhase?)p).FirstOrDefault()
        ?? throw JamException.InvalidInput($"'{phase}' is not a phase; use one of {string.Join(", ", Enum.GetNames<JamPhase>())}.");
}
