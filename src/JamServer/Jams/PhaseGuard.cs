using Marten;
using Npgsql;

namespace JamServer.Jams;

/// <summary>
/// The phase rules the store itself keeps, for every writer on every node: a trigger on the event table lets votes in
/// only during Voting, new proposals only during Discussion, and posts and merges only during Discussion and Voting. Each such event takes a
/// shared advisory lock of the jam; every phase change takes it exclusively. PostgreSQL queues lock requests fairly,
/// so a phase change waits for the writes in flight, the writes after it wait for it, and then see the new phase:
/// every acknowledged vote is in the tally, and none lands after the close.
/// </summary>
public static class PhaseGuard
{
    public const string RefusedState = "JAM01";

    /// <summary>Marks the guard's definition in the database; change it whenever the SQL below changes.</summary>
    private const string Version = "jam-phase-guard v2";

    public static async Task EnsureAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using (var check = new NpgsqlCommand(
            $"SELECT obj_description(to_regprocedure('{schema}.jam_phase_guard()'), 'pg_proc')", connection))
        {
            // Replacing the trigger locks the event table for a moment: a node that restarts leaves a current one be.
            if (await check.ExecuteScalarAsync(ct) is Version)
            {
                return;
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(
            $$"""
            SELECT pg_advisory_xact_lock(hashtext('{{schema}}.guard-ddl'));
            DROP TRIGGER IF EXISTS jam_votes_only_while_voting ON {{schema}}.mt_events;
            DROP FUNCTION IF EXISTS {{schema}}.jam_votes_only_while_voting();
            CREATE OR REPLACE FUNCTION {{schema}}.jam_phase_guard() RETURNS trigger LANGUAGE plpgsql AS $f$
            DECLARE phase text;
            BEGIN
              PERFORM pg_advisory_xact_lock_shared({{LockKey(schema)}});
              SELECT data ->> 'Phase' INTO phase FROM {{schema}}.mt_doc_jamview LIMIT 1;
              IF (NEW.type IN ('vote_cast', 'vote_retracted') AND phase IS DISTINCT FROM 'Voting')
                 OR (NEW.type = 'proposal_made' AND phase IS DISTINCT FROM 'Discussion')
                 OR (NEW.type IN ('post_written', 'proposal_merged', 'proposal_absorbed') AND phase NOT IN ('Discussion', 'Voting')) THEN
                RAISE EXCEPTION '% is not taken while the jam is in %', NEW.type, phase USING ERRCODE = '{{RefusedState}}';
              END IF;
              RETURN NEW;
            END
            $f$;
            CREATE OR REPLACE PROCEDURE {{schema}}.jam_lock_phase() LANGUAGE plpgsql AS $p$
            BEGIN
              PERFORM pg_advisory_xact_lock({{LockKey(schema)}});
            END
            $p$;
            CREATE OR REPLACE TRIGGER jam_phase_guard BEFORE INSERT ON {{schema}}.mt_events
              FOR EACH ROW WHEN (NEW.type IN ('vote_cast', 'vote_retracted', 'proposal_made', 'post_written', 'proposal_merged', 'proposal_absorbed'))
              EXECUTE FUNCTION {{schema}}.jam_phase_guard();
            COMMENT ON FUNCTION {{schema}}.jam_phase_guard() IS '{{Version}}';
            """,
            connection,
            transaction);
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Queued in a phase change's transaction: waits for the guarded writes in flight, holds off new ones.</summary>
    public static void LockForPhaseChange(IDocumentSession session)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;

        // A procedure returns no rows, so it does not disturb how Marten reads the batch's results.
        session.QueueSqlCommand($"CALL {schema}.jam_lock_phase()");
    }

    public static bool IsRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException { SqlState: RefusedState })
            {
                return true;
            }
        }

        return false;
    }

    private static string LockKey(string schema) => $"hashtext('{schema}.phase')";
}
