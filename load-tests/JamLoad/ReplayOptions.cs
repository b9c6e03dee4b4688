using System.Globalization;
using System.Net;

namespace JamLoad;

/// <summary>The options of <c>JamLoad replay</c> (load-tests/README.md).</summary>
public sealed record ReplayOptions
{
    public Uri Server { get; init; } = new("http://127.0.0.1:5080/");
    public int Participants { get; init; } = 500_000;
    public int Posts { get; init; } = 100_000;
    public int Rooms { get; init; } = 50;
    public long Votes { get; init; } = 5_000_000;
    public int Proposals { get; init; } = 500;

    /// <summary>Voters connected at once, at most (each from sign-in to its last answer).</summary>
    public int Concurrent { get; init; } = 16_000;

    /// <summary>Writer connections at once during Discussion, each a visit of one participant at a time.</summary>
    public int Writers { get; init; } = 128;

    /// <summary>Popularity exponent of rooms, and of proposals when voters choose.</summary>
    public double ZipfExponent { get; init; } = 1.0;
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [IPAddress.Loopback];
    public string Name { get; init; } = "replay";
    public string? OutputDirectory { get; init; }

    /// <summary>No replay may outlast this, whatever its size.</summary>
    public TimeSpan HardLimit { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>How long the jam replayed would take for real: the yardstick of "times faster".</summary>
    public double RealHours { get; init; } = 72;

    public static ReplayOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ReplayOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--server" => options with { Server = new Uri(Next()) },
                "--participants" => options with { Participants = Int() },
                "--posts" => options with { Posts = Int() },
                "--rooms" => options with { Rooms = Int() },
                "--votes" => options with { Votes = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--proposals" => options with { Proposals = Int() },
                "--concurrent" => options with { Concurrent = Int() },
                "--writers" => options with { Writers = Int() },
                "--zipf" => options with { ZipfExponent = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--sources" => options with { SourceAddresses = Next().Split(',').Select(IPAddress.Parse).ToList() },
                "--name" => options with { Name = Next() },
                "--out" => options with { OutputDirectory = Next() },
                "--hard-limit-minutes" => options with { HardLimit = TimeSpan.FromMinutes(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--real-hours" => options with { RealHours = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        var problem = options switch
        {
            { Server.IsLoopback: false } => "Load runs target loopback addresses only.",
            _ when !options.SourceAddresses.All(IPAddress.IsLoopback) => "Load runs target loopback addresses only.",
            { Participants: < 1 } or { Posts: < 1 } or { Rooms: < 1 } or { Votes: < 1 } or { Proposals: < 1 } =>
                "--participants, --posts, --rooms, --votes and --proposals must be at least 1",
            { Concurrent: < 1 } or { Writers: < 1 } => "--concurrent and --writers must be at least 1",
            _ when options.Proposals > options.Posts => "--proposals cannot exceed --posts (a proposal is a thread)",
            { HardLimit.TotalMinutes: <= 0 or > 24 * 60 } => "--hard-limit-minutes must be between 0 and a day",
            { RealHours: <= 0 } => "--real-hours must be positive",
            { ZipfExponent: < 0 } => "--zipf must not be negative",
            _ => null,
        };
        return problem is null ? options : throw new ArgumentException(problem);
    }
}
