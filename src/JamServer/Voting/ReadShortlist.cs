using System.Globalization;
using System.Text;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Proposals;
using Marten;

namespace JamServer.Voting;

public sealed record ShortlistDto(
    string Status, string? Digest, int? Ballots, long? Votes, DateTimeOffset? PublishedAt, IReadOnlyList<ShortlistEntry> Proposals);

/// <summary>
/// GET /api/shortlist (and .csv): final for everyone once published; before that, live and marked provisional for
/// executives and organizers only, so participants vote without a leaderboard of the detail.
/// </summary>
public static class ReadShortlist
{
    public const string Final = "final";
    public const string Provisional = "provisional";

    public static void MapShortlistEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/shortlist", LoadAsync).RequireAuthorization();
        app.MapGet("/api/shortlist.csv", async (
                HttpContext http, ShortlistPublisher published, JamState jam, LiveTally live, IQuerySession session, CancellationToken ct) =>
            Results.Text(ToCsv(await LoadAsync(http, published, jam, live, session, ct)), "text/csv; charset=utf-8", Encoding.UTF8))
            .RequireAuthorization();
        app.MapGet("/api/shortlist/ballots", async (ShortlistPublisher published, CountedBallots ballots, CancellationToken ct) =>
            {
                var shortlist = await published.FindAsync(ct)
                    ?? throw JamException.NotFound("The counted ballots are published with the shortlist, when voting has closed.");
                var hashes = await ballots.HashesAsync(shortlist, ct);
                return Results.Text(string.Concat(hashes.Select(h => h + "\n")), "text/plain; charset=utf-8", Encoding.ASCII);
            })
            .RequireAuthorization();
    }

    public static async Task<ShortlistDto> LoadAsync(
        HttpContext http, ShortlistPublisher published, JamState jam, LiveTally live, IQuerySession session, CancellationToken ct)
    {
        if (await published.FindAsync(ct) is { } shortlist)
        {
            return new ShortlistDto(Final, shortlist.Digest, shortlist.Ballots, shortlist.Votes, shortlist.PublishedAt, shortlist.Proposals);
        }

        if (!http.User.IsInRole(Roles.Executive) && !http.User.IsInRole(Roles.Organizer))
        {
            throw jam.Current.Phase is JamPhase.Closed
                ? new JamException(ErrorCodes.Unavailable, "The votes are being counted; the shortlist follows in a moment.")
                : new JamException(ErrorCodes.Forbidden, "The shortlist is published when voting closes; until then only executives and organizers see it.");
        }

        var size = jam.Current.ShortlistSize;

        // Ties at the cut are ranked by age and id, which Redis does not know: read past the cut, rank here.
        var standings = await live.TopAsync(size + 32);
        var ids = standings.Select(s => s.ProposalId).ToArray();
        var proposals = (await session.LoadManyAsync<ProposalView>(ct, ids)).Where(p => p.IsOpen).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var byKind = await live.ByKindAsync(proposals.Keys.ToList());
        var ranked = standings.Where(s => proposals.ContainsKey(s.ProposalId))
            .Select(s => new ProposalCount(s.ProposalId, s.Votes, byKind[s.ProposalId], proposals[s.ProposalId].MergedFrom, proposals[s.ProposalId].ProposedAt))
            .ToList();
        ranked.Sort(Tally.RankOrder);
        return new ShortlistDto(Provisional, null, null, null, null, await ShortlistBuilder.BuildAsync(session, ranked, size, ct));
    }

    public static string ToCsv(ShortlistDto shortlist)
    {
        var csv = new StringBuilder("rank,proposal_id,title,summary,room_id,thread_id,author,votes,");
        csv.AppendJoin(',', ParticipantKinds.All).Append(",posts,participants,merged_from,status,digest\n");
        foreach (var p in shortlist.Proposals)
        {
            var fields = new List<string>
            {
                p.Rank.ToString(CultureInfo.InvariantCulture), p.ProposalId, p.Title, p.Summary, p.RoomId, p.ThreadId, p.AuthorName,
                p.Votes.ToString(CultureInfo.InvariantCulture),
            };
            fields.AddRange(ParticipantKinds.All.Select(k => p.VotersByKind.GetValueOrDefault(k).ToString(CultureInfo.InvariantCulture)));
            fields.AddRange([
                p.Posts.ToString(CultureInfo.InvariantCulture), p.Participants.ToString(CultureInfo.InvariantCulture),
                string.Join(' ', p.MergedFrom), shortlist.Status, shortlist.Digest ?? "",
            ]);
            csv.AppendJoin(',', fields.Select(Field)).Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>RFC 4180 quoting; a leading =, +, -, @, tab or carriage return is neutralised so a spreadsheet never runs a title as a formula.</summary>
    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

/// <summary>The hashes of the counted ballots, recounted from the events once per node and kept: they never change.</summary>
public sealed partial class CountedBallots(IDocumentStore store, ILogger<CountedBallots> log) : IDisposable
{
    private readonly SemaphoreSlim _once = new(1, 1);
    private IReadOnlyList<string>? _hashes;

    /// <summary>
    /// The recount's hashes. Should they ever differ from what was published, they are served as counted (and the
    /// difference logged): their SHA-256 then differs from the published digest, which is what an auditor checks.
    /// </summary>
    public async Task<IReadOnlyList<string>> HashesAsync(ShortlistPublished shortlist, CancellationToken ct)
    {
        await _once.WaitAsync(ct);
        try
        {
            if (_hashes is null)
            {
                var result = await TallyReader.CountAsync(store, ct);
                if (result.Digest != shortlist.Digest)
                {
                    LogDigestDiffers(log, result.Digest, shortlist.Digest);
                }

                _hashes = result.BallotHashes;
            }

            return _hashes;
        }
        finally
        {
            _once.Release();
        }
    }

    public void Dispose() => _once.Dispose();

    [LoggerMessage(LogLevel.Critical, "The recount's digest {Recounted} differs from the published {Published}")]
    private static partial void LogDigestDiffers(ILogger logger, string recounted, string published);
}
