using System.Globalization;
using System.Net;

namespace JamLoad;

public sealed record LoadOptions
{
    /// <summary>"jam" (JamServer: demo sign-in, tokens) or "bare" (the baseline hub: no auth).</summary>
    public string Target { get; init; } = "jam";
    public Uri Server { get; init; } = new("http://127.0.0.1:5080/");
    public int Receivers { get; init; } = 1000;
    public int Rooms { get; init; } = 10;
    public double ZipfExponent { get; init; } = 1.0;
    public int ConnectsPerSecond { get; init; } = 2000;
    public int Writers { get; init; } = 8;
    public IReadOnlyList<double> PostRates { get; init; } = [20];
    public TimeSpan StepLength { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Posts at the first step's rate before measuring, so the server's JIT has settled (owed, not timed).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;
    public bool MessagePackWriters { get; init; }
    public bool MessagePackReceivers { get; init; }
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [IPAddress.Loopback];
    public int? ServerPid { get; init; }
    public string Name { get; init; } = "run";

    /// <summary>The vote rush: proposals made before Voting, and votes each voter sends beyond the budget.</summary>
    public int Proposals { get; init; } = 200;
    public int ExtraVotes { get; init; } = 2;
    public string? OutputDirectory { get; init; }

    /// <summary>A scale-out run: this process is peer <see cref="PeerIndex"/> of <see cref="PeerCount"/>, meeting the others in <see cref="ExchangeDirectory"/>.</summary>
    public int PeerIndex { get; init; }
    public int PeerCount { get; init; } = 1;
    public string? ExchangeDirectory { get; init; }

    /// <summary>The reconnect storm: every client must be back within this after the drop.</summary>
    public TimeSpan StormLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The storm clients' backoff: the first pause is drawn from 0 to this, doubling after each failure up to the cap.</summary>
    public TimeSpan BackoffFirst { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The storm by server restart: a shell command that kills the server and starts it again, returning once it is ready.</summary>
    public string? RestartCommand { get; init; }

    /// <summary>No run may outlast this, whatever its steps say.</summary>
    public TimeSpan HardLimit { get; init; } = TimeSpan.FromMinutes(20);

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--target" => options with { Target = Next() },
                "--server" => options with { Server = new Uri(Next()) },
                "--receivers" => options with { Receivers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rooms" => options with { Rooms = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--zipf" => options with { ZipfExponent = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--connects-per-second" => options with { ConnectsPerSecond = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--writers" => options with { Writers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--rates" => options with { PostRates = Next().Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToList() },
                "--step-seconds" => options with { StepLength = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--drain-seconds" => options with { Drain = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--warmup-seconds" => options with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--msgpack" => options with { MessagePackWriters = true, MessagePackReceivers = true },
                "--sources" => options with { SourceAddresses = Next().Split(',').Select(IPAddress.Parse).ToList() },
                "--server-pid" => options with { ServerPid = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--name" => options with { Name = Next() },
                "--clients" => options with { Receivers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--storm-limit-seconds" => options with { StormLimit = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--backoff-first-ms" => options with { BackoffFirst = TimeSpan.FromMilliseconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--backoff-cap-seconds" => options with { BackoffCap = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--restart-command" => options with { RestartCommand = Next() },
                "--voters" => options with { Receivers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--proposals" => options with { Proposals = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--extra-votes" => options with { ExtraVotes = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => options with { OutputDirectory = Next() },
                "--peer" => ParsePeer(options, Next()),
                "--exchange" => options with { ExchangeDirectory = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (options.PeerCount > 1 && options.ExchangeDirectory is null)
        {
            throw new ArgumentException("--peer needs --exchange DIR, a directory all peers share");
        }

        var loopbackOnly = options.Server.IsLoopback && options.SourceAddresses.All(IPAddress.IsLoopback);
        return loopbackOnly ? options : throw new ArgumentException("Load runs target loopback addresses only.");
    }

    /// <summary>"--peer I/N": this process is peer I (from 0) of N.</summary>
    private static LoadOptions ParsePeer(LoadOptions options, string value)
    {
        var parts = value.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var count) || count < 1 || index < 0 || index >= count)
        {
            throw new ArgumentException($"--peer wants I/N with 0 <= I < N, not {value}");
        }

        return options with { PeerIndex = index, PeerCount = count };
    }
}
