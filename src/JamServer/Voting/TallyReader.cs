using JamServer.Proposals;
using Marten;
using Npgsql;

namespace JamServer.Voting;

/// <summary>Feeds <see cref="Tally"/> from the event store: the proposal events through Marten, the votes by a binary COPY.</summary>
public static class TallyReader
{
    public static async Task<TallyResult> CountAsync(IDocumentStore store, CancellationToken ct)
    {
        var (tally, proposals, merges) = await ReadAsync(store, ct);
        return tally.Count(proposals, merges);
    }

    /// <summary>Every vote event replayed into a <see cref="Tally"/>, with the proposals and the merges.</summary>
    public static async Task<(Tally Tally, IReadOnlyList<ProposalMade> Proposals, IReadOnlyList<ProposalMerged> Merges)> ReadAsync(
        IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var proposals = await session.Events.QueryRawEventDataOnly<ProposalMade>().ToListAsync(ct);
        var merges = await session.Events.QueryRawEventDataOnly<ProposalMerged>().ToListAsync(ct);

        var tally = new Tally();
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            var schema = store.Options.Events.DatabaseSchemaName;
            var prefix = BallotView.StreamIdOf("").Length;
            await using var export = await connection.BeginBinaryExportAsync(
                $"""
                COPY (SELECT stream_id, type = '{Tally.VoteCastType}', data ->> 'ProposalId', data ->> 'VoterKind'
                      FROM {schema}.mt_events WHERE type IN ('{Tally.VoteCastType}', '{Tally.VoteRetractedType}')
                      ORDER BY seq_id) TO STDOUT (FORMAT BINARY)
                """,
                ct);
            await Task.Run(() => ReadVotes(export, tally, prefix), ct);
        }

        return (tally, proposals, merges);
    }

    /// <summary>Synchronous reads: millions of rows of four small columns, where an await per column would cost more than the row.</summary>
    private static void ReadVotes(NpgsqlBinaryExporter export, Tally tally, int prefix)
    {
        while (export.StartRow() != -1)
        {
            var voterId = export.Read<string>()[prefix..];
            var cast = export.Read<bool>();
            var proposalId = export.Read<string>();
            if (cast)
            {
                tally.Cast(voterId, proposalId, export.Read<string>());
            }
            else
            {
                export.Skip();
                tally.Retract(voterId, proposalId);
            }
        }
    }
}
