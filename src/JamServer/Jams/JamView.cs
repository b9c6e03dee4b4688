using JamServer.Infrastructure;
using Marten.Events.Aggregation;

namespace JamServer.Jams;

/// <summary>The jam's current state: the write model of phase changes and the read model of GET /api/jam.</summary>
public sealed class JamView
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public JamPhase Phase { get; set; }
    public DateTimeOffset? PhaseEndsAt { get; set; }
    public TimeSpan DiscussionLength { get; set; }
    public TimeSpan VotingLength { get; set; }

    /// <summary>How many proposals each participant may vote for.</summary>
    public int VoteBudget { get; set; } = JamOptions.DefaultVoteBudget;

    /// <summary>How many proposals the published shortlist holds.</summary>
    public int ShortlistSize { get; set; } = JamOptions.DefaultShortlistSize;
    public long Version { get; set; }

    public TimeSpan LengthOf(JamPhase phase) => phase switch
    {
        JamPhase.Discussion => DiscussionLength,
        JamPhase.Voting => VotingLength,
        _ => TimeSpan.Zero,
    };
}

public sealed class JamViewProjection : SingleStreamProjection<JamView, string>
{
    public static JamView Create(JamScheduled e) => new()
    {
        Id = e.JamId,
        Title = e.Title,
        Phase = JamPhase.Scheduled,
        PhaseEndsAt = e.DiscussionStartsAt,
        DiscussionLength = e.DiscussionLength,
        VotingLength = e.VotingLength,

        // Jams created before voting existed carry no voting rules: they get the defaults.
        VoteBudget = e.VoteBudget > 0 ? e.VoteBudget : JamOptions.DefaultVoteBudget,
        ShortlistSize = e.ShortlistSize > 0 ? e.ShortlistSize : JamOptions.DefaultShortlistSize,
    };

    public static void Apply(JamPhaseChanged e, JamView view)
    {
        view.Phase = e.Phase;
        view.PhaseEndsAt = e.PhaseEndsAt;
    }
}
