using JamServer.Identity;
using JamServer.Infrastructure;
using Marten;

namespace JamServer.Moderation;

/// <summary>One moderation fact: who did what to which post, and why.</summary>
public sealed record AuditEntry(
    long Seq, string Action, string PostId, string RoomId, string By, string Reason, bool ByCommunity, DateTimeOffset At);

/// <summary>GET /api/moderation/audit?after=&amp;limit=: every flag, hide and restore in the order they happened.</summary>
public static class ReadAudit
{
    public const string FlaggedType = "post_flagged";
    public const string HiddenType = "post_hidden";
    public const string RestoredType = "post_restored";
    public const int MaxLimit = 1000;

    public static async Task<IReadOnlyList<AuditEntry>> AfterAsync(IDocumentStore store, long after, int limit, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT seq_id, type, data FROM {store.Options.Events.DatabaseSchemaName}.mt_events
            WHERE type IN ('{FlaggedType}', '{HiddenType}', '{RestoredType}') AND seq_id > $1
            ORDER BY seq_id LIMIT $2
            """;
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = after });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = limit });
        var entries = new List<AuditEntry>();
        var serializer = store.Options.Serializer();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(await EntryAsync(reader, serializer, ct));
        }

        return entries;
    }

    /// <summary>The row's event, read back with the store's own serializer (as Marten wrote it).</summary>
    private static async Task<AuditEntry> EntryAsync(System.Data.Common.DbDataReader row, ISerializer serializer, CancellationToken ct)
    {
        var seq = row.GetInt64(0);
        return row.GetString(1) switch
        {
            FlaggedType when await serializer.FromJsonAsync<PostFlagged>(row, 2, ct) is { } e =>
                new(seq, "flagged", e.PostId, e.RoomId, e.FlaggerId, e.Reason, false, e.FlaggedAt),
            HiddenType when await serializer.FromJsonAsync<PostHidden>(row, 2, ct) is { } e =>
                new(seq, "hidden", e.PostId, e.RoomId, e.HiddenBy, e.Reason, e.ByCommunity, e.HiddenAt),
            RestoredType when await serializer.FromJsonAsync<PostRestored>(row, 2, ct) is { } e =>
                new(seq, "restored", e.PostId, e.RoomId, e.RestoredBy, e.Reason, false, e.RestoredAt),
            var type => throw new InvalidOperationException($"Event {seq} of type {type} is not a moderation fact."),
        };
    }

    public static void MapAuditEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/moderation/audit", (long? after, int? limit, IDocumentStore store, CancellationToken ct) =>
            {
                if (after < 0 || limit is < 1 or > MaxLimit)
                {
                    throw JamException.InvalidInput($"after cannot be negative; limit must be between 1 and {MaxLimit}.");
                }

                return AfterAsync(store, after ?? 0, limit ?? 100, ct);
            })
            .RequireAuthorization(Roles.Moderation);
}
