using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using JamServer.Infrastructure;
using JamServer.Proposals;
using JamServer.Voting;
using Marten;
using Npgsql;
using NpgsqlTypes;

// The tally benchmark: stores a jam's worth of vote events in PostgreSQL, then counts them with the server's own
// tally in a separate process, so that its peak memory is the count's alone.
//   dotnet TallyBench.dll [--voters 500000] [--proposals 500] [--out DIR]     generate, count, report
//   dotnet TallyBench.dll count                                              count only (the child process)
var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings__Postgres is not set (./jam services start test).");
const string JamId = "tallybench";

if (args is ["count"])
{
    using var countStore = DocumentStore.For(o =>
    {
        JamStore.Configure(o, connectionString, JamId);
        o.AutoCreateSchemaObjects = JasperFx.AutoCreate.None;
    });
    var started = Stopwatch.GetTimestamp();
    var result = await TallyReader.CountAsync(countStore, CancellationToken.None);
    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var votes = result.Ranking.ToDictionary(r => r.ProposalId, r => r.Votes);
    Console.WriteLine(JsonSerializer.Serialize(new Counted(seconds, PeakRssMegabytes(), result.Ballots, result.Votes, result.Digest, votes)));
    return 0;
}

var voters = Option("--voters", 500_000);
var proposalCount = Option("--proposals", 500);
var outDir = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? ".";
const int EventsPerVoter = 10;

await using (var admin = new NpgsqlConnection(connectionString))
{
    await admin.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {JamStore.SchemaName(JamId)} CASCADE", admin);
    await drop.ExecuteNonQueryAsync();
}

using var store = DocumentStore.For(o => JamStore.Configure(o, connectionString, JamId));
await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
var schema = store.Options.Events.DatabaseSchemaName;
var at = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
var proposalIds = Enumerable.Range(0, proposalCount).Select(i => $"prop-{i:D5}").ToArray();
await using (var session = store.LightweightSession())
{
    foreach (var (id, i) in proposalIds.Select((id, i) => (id, i)))
    {
        session.Events.StartStream(id, new ProposalMade(id, "room", "thread-" + i, "Idea " + i, "Summary", "author", "Author", "c", at.AddSeconds(i)));
    }

    await session.SaveChangesAsync();
}

// Every voter writes ten vote events: most cast ten votes; every tenth casts nine and takes the first back.
// Popularity is skewed (Zipf-like), so the ranking has a clear top.
var generating = Stopwatch.GetTimestamp();
var expectedVotes = new Dictionary<string, long>(StringComparer.Ordinal);
var ballotHashes = new List<string>(voters);
long firstSeq;
await using (var connection = new NpgsqlConnection(connectionString))
{
    await connection.OpenAsync();
    await using (var reserve = new NpgsqlCommand(
        $"SELECT setval('{schema}.mt_events_sequence', nextval('{schema}.mt_events_sequence') + @n)", connection))
    {
        reserve.Parameters.AddWithValue("n", (long)voters * EventsPerVoter);
        firstSeq = (long)(await reserve.ExecuteScalarAsync())! - (long)voters * EventsPerVoter + 1;
    }

    await using (var streams = await connection.BeginBinaryImportAsync($"COPY {schema}.mt_streams (id, version) FROM STDIN (FORMAT BINARY)"))
    {
        for (var v = 0; v < voters; v++)
        {
            await streams.WriteRowAsync(default, BallotView.StreamIdOf(VoterId(v)), (long)EventsPerVoter);
        }

        await streams.CompleteAsync();
    }

    var cumulative = Enumerable.Range(1, proposalCount).Select(rank => 1.0 / rank).ToArray();
    for (var i = 1; i < cumulative.Length; i++)
    {
        cumulative[i] += cumulative[i - 1];
    }

    await using (var events = await connection.BeginBinaryImportAsync(
        $"COPY {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type) FROM STDIN (FORMAT BINARY)"))
    {
        var random = new Random(42);
        var seq = firstSeq;
        var chosen = new HashSet<int>();
        for (var v = 0; v < voters; v++)
        {
            var voterId = VoterId(v);
            var streamId = BallotView.StreamIdOf(voterId);
            var kind = JamServer.Identity.ParticipantKinds.All[v % 4];
            chosen.Clear();
            var casts = v % 10 == 0 ? EventsPerVoter - 1 : EventsPerVoter;
            var order = new List<int>(casts);
            while (order.Count < casts)
            {
                var pick = Array.BinarySearch(cumulative, random.NextDouble() * cumulative[^1]);
                pick = Math.Min(pick < 0 ? ~pick : pick, proposalCount - 1);
                if (chosen.Add(pick))
                {
                    order.Add(pick);
                }
            }

            var kept = order.Skip(casts == EventsPerVoter ? 0 : 1).Select(i => proposalIds[i]).ToList();
        foreach (var id in kept)
        {
            expectedVotes[id] = expectedVotes.GetValueOrDefault(id) + 1;
        }

        ballotHashes.Add(BallotHash(voterId, kept));
        for (var version = 1; version <= EventsPerVoter; version++)
            {
                var retract = version > casts;
                var proposalId = proposalIds[order[retract ? 0 : version - 1]];
                var data = retract
                    ? JsonSerializer.Serialize(new VoteRetracted(voterId, proposalId, at))
                    : JsonSerializer.Serialize(new VoteCast(voterId, proposalId, kind, at));
                await events.StartRowAsync();
                await events.WriteAsync(seq++, NpgsqlDbType.Bigint);
                await events.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await events.WriteAsync(streamId, NpgsqlDbType.Varchar);
                await events.WriteAsync((long)version, NpgsqlDbType.Bigint);
                await events.WriteAsync(data, NpgsqlDbType.Jsonb);
                await events.WriteAsync(retract ? Tally.VoteRetractedType : Tally.VoteCastType, NpgsqlDbType.Varchar);
                await events.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await events.WriteAsync(retract ? "JamServer.Voting.VoteRetracted, JamServer" : "JamServer.Voting.VoteCast, JamServer", NpgsqlDbType.Varchar);
            }
        }

        await events.CompleteAsync();
    }

    await using var analyze = new NpgsqlCommand($"ANALYZE {schema}.mt_events", connection);
    await analyze.ExecuteNonQueryAsync();
}

var generated = Stopwatch.GetElapsedTime(generating).TotalSeconds;
var expectedTotal = (long)voters * EventsPerVoter - 2L * ((voters + 9) / 10);
ballotHashes.Sort(StringComparer.Ordinal);
var expectedDigest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
    System.Text.Encoding.ASCII.GetBytes(string.Concat(ballotHashes.Select(h => h + "\n")))));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored {(long)voters * EventsPerVoter:N0} vote events for {voters:N0} voters in {generated:0.0} s; counting"));

var child = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
child.ArgumentList.Add(typeof(Counted).Assembly.Location);
child.ArgumentList.Add("count");
using var counter = Process.Start(child)!;
var output = await counter.StandardOutput.ReadToEndAsync();
await counter.WaitForExitAsync();
var counted = JsonSerializer.Deserialize<Counted>(output.Trim().Split('\n')[^1])!;
// Checked against what was generated, by this program's own arithmetic (docs/protocol.md, "The tally and its audit").
var agrees = counted.Ballots == voters && counted.Votes == expectedTotal && counted.Digest == expectedDigest
    && proposalIds.All(id => counted.ProposalVotes.GetValueOrDefault(id) == expectedVotes.GetValueOrDefault(id));

var markdown = string.Create(CultureInfo.InvariantCulture, $"""
    ### The tally of a whole jam

    Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `./jam bench tally` (also the last step of `./jam bench`). `TallyBench`: {(long)voters * EventsPerVoter:N0} vote events (casts and retractions) of {voters:N0} participants over
    {proposalCount} proposals, stored in PostgreSQL, then counted by the server's own tally (`TallyReader`: one binary
    COPY of the vote events in order, every ballot replayed, merges resolved, the digest computed) in a separate process.

    | events | ballots | votes counted | count time | peak memory (RSS) of the counting process | every proposal's count and the digest agree with the votes generated |
    |---:|---:|---:|---:|---:|---|
    | {(long)voters * EventsPerVoter:N0} | {counted.Ballots:N0} | {counted.Votes:N0} | **{counted.Seconds:0.0} s** (target < 10 s) | {counted.PeakRssMegabytes:N0} MB | {(agrees ? "yes" : "NO")} |

    """);
Directory.CreateDirectory(outDir);
await File.WriteAllTextAsync(Path.Combine(outDir, "tally.md"), markdown);
Console.WriteLine(markdown);
return agrees ? 0 : 1;

int Option(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

// The ballot hash as docs/protocol.md defines it, written out here rather than taken from the server.
static string BallotHash(string voterId, IEnumerable<string> proposals) =>
    Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        "ballot:v1\n" + voterId + string.Concat(proposals.Order(StringComparer.Ordinal).Select(p => "\n" + p)))));

static string VoterId(int v) => string.Create(CultureInfo.InvariantCulture, $"v-{v:D7}");

static long PeakRssMegabytes() =>
    long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;

internal sealed record Counted(double Seconds, long PeakRssMegabytes, int Ballots, long Votes, string Digest, Dictionary<string, long> ProposalVotes);
