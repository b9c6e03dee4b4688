using System.Text.Json;
using Npgsql;

namespace JamServer.IntegrationTests.Support;

/// <summary>Reads a jam's stored events straight from PostgreSQL, to check what was appended and how often.</summary>
public static class EventLog
{
    public static async Task<IReadOnlyList<JsonElement>> ReadAsync(string jamId, string streamId, string eventType)
    {
        await using var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync().Timely();
        var schema = Infrastructure.JamStore.SchemaName(jamId);
        await using var command = new NpgsqlCommand(
            $"select data::text from {schema}.mt_events where stream_id = @stream and type = @type order by version", connection);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("type", eventType);
        var events = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync().Timely();
        while (await reader.ReadAsync())
        {
            events.Add(JsonDocument.Parse(reader.GetString(0)).RootElement);
        }

        return events;
    }

    /// <summary>
    /// Tries to store an event of the given type as any writer would, bypassing every node's own checks; the phase
    /// trigger runs before the row's other columns are checked, so a refusal is its answer.
    /// </summary>
    public static async Task<string?> RefusalOfAsync(string jamId, string eventType)
    {
        await using var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync().Timely();
        await using var command = new NpgsqlCommand(
            $"insert into {Infrastructure.JamStore.SchemaName(jamId)}.mt_events (type) values (@type)", connection);
        command.Parameters.AddWithValue("type", eventType);
        try
        {
            await command.ExecuteNonQueryAsync().Timely();
            return null;
        }
        catch (PostgresException ex)
        {
            return ex.SqlState;
        }
    }

    /// <summary>The type of every stored event whose data holds any of the given texts (participant ids, say).</summary>
    public static async Task<IReadOnlyList<string>> TypesMentioningAsync(string jamId, IReadOnlyList<string> texts)
    {
        await using var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync().Timely();
        await using var command = new NpgsqlCommand(
            $"select type from {Infrastructure.JamStore.SchemaName(jamId)}.mt_events where data::text like any(@patterns) order by seq_id", connection);
        command.Parameters.AddWithValue("patterns", texts.Select(t => "%" + t + "%").ToArray());
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync().Timely();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }

        return types;
    }

    public static async Task<long> CountAsync(string jamId, string eventType)
    {
        await using var connection = new NpgsqlConnection(TestServices.Postgres);
        await connection.OpenAsync().Timely();
        await using var command = new NpgsqlCommand(
            $"select count(*) from {Infrastructure.JamStore.SchemaName(jamId)}.mt_events where type = @type", connection);
        command.Parameters.AddWithValue("type", eventType);
        return (long)(await command.ExecuteScalarAsync().Timely())!;
    }

    public static string Text(this JsonElement element, string property) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, property, StringComparison.OrdinalIgnoreCase)).Value.ToString();
}
