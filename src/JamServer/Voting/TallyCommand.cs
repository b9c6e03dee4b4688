using System.Diagnostics;
using System.Globalization;
using JamServer.Infrastructure;
using Marten;

namespace JamServer.Voting;

/// <summary>
/// `dotnet JamServer.dll tally [--ballot HASH]` (or `./jam tally`): recounts the votes from the events alone, prints
/// the ranking and the digest, and checks them against the published shortlist; with --ballot, whether that ballot
/// hash is among the counted ones. Exit status: 0 agreed (or nothing published yet), 1 disagreed, 2 ballot not found.
/// </summary>
public static class TallyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        var jamId = configuration.GetSection(JamOptions.Section).Get<JamOptions>()?.JamId ?? new JamOptions().JamId;
        var ballot = args.SkipWhile(a => a != "--ballot").Skip(1).FirstOrDefault();

        using var store = DocumentStore.For(options =>
        {
            JamStore.Configure(options, connectionString, jamId);
            options.AutoCreateSchemaObjects = JasperFx.AutoCreate.None; // an audit reads; it never changes the schema
        });
        var started = Stopwatch.GetTimestamp();
        var result = await TallyReader.CountAsync(store, CancellationToken.None);
        var elapsed = Stopwatch.GetElapsedTime(started);

        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(ShortlistPublished.StreamIdOf(jamId));
        var published = events.Select(e => e.Data).OfType<ShortlistPublished>().FirstOrDefault();

        Print($"Jam {jamId}: {result.Ballots} ballots, {result.Votes} votes counted from the events in {elapsed.TotalSeconds:0.00} s");
        Print($"digest {result.Digest}");
        foreach (var (count, rank) in result.Ranking.Take(published?.Proposals.Count ?? 10).Select((c, i) => (c, i + 1)))
        {
            Print($"{rank,4}  {count.Votes,8}  {count.ProposalId}");
        }

        var status = 0;
        if (published is null)
        {
            Print($"No shortlist is published yet.");
        }
        else
        {
            var agrees = published.Digest == result.Digest && published.Proposals.Select(p => (p.ProposalId, p.Votes))
                .SequenceEqual(result.Ranking.Take(published.Proposals.Count).Select(c => (c.ProposalId, c.Votes)));
            Print(agrees
                ? (FormattableString)$"The published shortlist agrees: same digest, same ranking, same votes."
                : $"The published shortlist DISAGREES: digest {published.Digest}.");
            status = agrees ? 0 : 1;
        }

        if (ballot is not null)
        {
            var found = result.BallotHashes.Contains(ballot.Trim().ToLowerInvariant(), StringComparer.Ordinal);
            Print(found ? (FormattableString)$"Ballot {ballot} is counted." : $"Ballot {ballot} is NOT among the counted ballots.");
            status = found ? status : 2;
        }

        return status;
    }

    private static void Print(FormattableString line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
