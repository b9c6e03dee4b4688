using Marten;
using Npgsql;

namespace JamServer.Voting;

/// <summary>
/// A trigger on the event table: a vote or retraction is stored only while the jam is in Voting, checked under a
/// share lock on the jam's row that holds until the commit. Closing updates that row, so it waits for the votes in
/// flight, and a vote after it sees Closed and fails: every acknowledged vote is in the tally, none lands after it.
/// It lives in the database, so it holds for every writer on every node.
/// </summary>
public static class VotingGuard
{
    public const string NotVotingState = "JAM01";

    public static async Task EnsureAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var command = new NpgsqlCommand(
            $$"""
            SELECT pg_advisory_xact_lock(hashtext('{{schema}}.voting_guard'));
            CREATE OR REPLACE FUNCTION {{schema}}.jam_votes_only_while_voting() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
              PERFORM 1 FROM {{schema}}.mt_doc_jamview WHERE data ->> 'Phase' = 'Voting' FOR SHARE;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'votes are taken only while the jam is in Voting' USING ERRCODE = '{{NotVotingState}}';
              END IF;
              RETURN NEW;
            END
            $f$;
            CREATE OR REPLACE TRIGGER jam_votes_only_while_voting BEFORE INSERT ON {{schema}}.mt_events
              FOR EACH ROW WHEN (NEW.type IN ('{{Tally.VoteCastType}}', '{{Tally.VoteRetractedType}}'))
              EXECUTE FUNCTION {{schema}}.jam_votes_only_while_voting();
            """,
            connection,
            transaction);
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public static bool IsRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is PostgresException { SqlState: NotVotingState })
            {
                return true;
            }
        }

        return false;
    }
}
