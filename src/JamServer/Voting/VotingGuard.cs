using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;

namespace JamServer.Voting;

/// <summary>
/// A check inside each vote's transaction that the jam is in Voting, holding a share lock on the jam's row until the
/// commit. Closing updates that row, so it waits for the votes in flight, and a vote after it sees Closed and fails:
/// every acknowledged vote is in the tally, and no vote lands after it.
/// </summary>
public static class VotingGuard
{
    public const string NotVotingState = "JAM01";
    private const string FunctionName = "jam_assert_voting";

    public static Function Function(string schema) => new(new PostgresqlObjectName(schema, FunctionName, SchemaUtils.IdentifierUsage.General), $$"""
        CREATE OR REPLACE FUNCTION {{schema}}.{{FunctionName}}(jam_id varchar) RETURNS void LANGUAGE plpgsql AS $f$
        BEGIN
          PERFORM 1 FROM {{schema}}.mt_doc_jamview WHERE id = jam_id AND data ->> 'Phase' = 'Voting' FOR SHARE;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'jam % is not in Voting', jam_id USING ERRCODE = '{{NotVotingState}}';
          END IF;
        END
        $f$;
        """);

    public static void Queue(IDocumentSession session, string jamId) =>
        session.QueueSqlCommand($"select {session.DocumentStore.Options.DatabaseSchemaName}.{FunctionName}(?)", jamId);
}
