using JamServer.Discussion;
using JamServer.Jams;
using JamServer.Proposals;
using JamServer.Rooms;
using JamServer.Voting;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Weasel.Core;

namespace JamServer.Infrastructure;

public static class JamStore
{
    /// <summary>Marten on PostgreSQL, the source of truth: one schema per jam, one event stream per room.</summary>
    public static WebApplicationBuilder AddJamStore(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        var jamId = builder.Configuration.GetSection(JamOptions.Section).Get<JamOptions>()?.JamId ?? new JamOptions().JamId;

        builder.Services.AddMarten(options => Configure(options, connectionString, jamId))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        return builder;
    }

    public static void Configure(StoreOptions options, string connectionString, string jamId)
    {
        // Marten's statements repeat with every batch: let Npgsql prepare them once per connection.
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 64;
            connection.AutoPrepareMinUsages = 2;
        }

        options.Connection(connection.ConnectionString);
        options.DatabaseSchemaName = SchemaName(jamId);
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // Quick append: one function call per stream, and the expected version still checked (a race conflicts).
        options.Events.AppendMode = EventAppendMode.Quick;
        options.UseSystemTextJsonForSerialization(enumStorage: EnumStorage.AsString);

        options.Schema.For<PostView>()
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ux_post_room_seq", p => p.RoomId, p => p.Seq)
            .UniqueIndex(UniqueIndexType.DuplicatedField, "ux_post_idempotency", p => p.IdempotencyKey);

        options.Projections.Add<JamViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<RoomViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<PostViewProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<PostView>().Index(p => p.ThreadId);

        options.Projections.Add<ProposalViewProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<ProposalView>().Index(p => p.RoomId);

        // Stable names: the tally, its audit command and the phase guard read these events by name in PostgreSQL.
        options.Events.MapEventType<VoteCast>(Tally.VoteCastType);
        options.Events.MapEventType<VoteRetracted>(Tally.VoteRetractedType);
        options.Events.MapEventType<ProposalMade>("proposal_made");
        options.Events.MapEventType<ProposalMerged>("proposal_merged");
        options.Events.MapEventType<ProposalAbsorbed>("proposal_absorbed");
        options.Events.MapEventType<Moderation.PostFlagged>(Moderation.ReadAudit.FlaggedType);
        options.Events.MapEventType<Moderation.PostHidden>(Moderation.ReadAudit.HiddenType);
        options.Events.MapEventType<Moderation.PostRestored>(Moderation.ReadAudit.RestoredType);
        options.Events.MapEventType<Moderation.GuidelinesAccepted>("guidelines_accepted");
        options.Events.MapEventType<Moderation.SentimentShiftRaised>("sentiment_shift_raised");
        options.Events.MapEventType<Identity.InviteCreated>("invite_created");
        options.Events.MapEventType<Identity.InviteRedeemed>("invite_redeemed");
        options.Schema.For<Moderation.PostModeration>().Index(m => m.OpenFlagCount);
    }

    /// <summary>A PostgreSQL schema name from the jam id: lower case letters, digits and underscores.</summary>
    public static string SchemaName(string jamId) =>
        "jam_" + new string(jamId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
