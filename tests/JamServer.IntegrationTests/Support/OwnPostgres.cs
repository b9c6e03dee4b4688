using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace JamServer.IntegrationTests.Support;

/// <summary>
/// A PostgreSQL of a test's own on a free loopback port, so the test can crash, pause and start it under a running
/// server without disturbing the shared one. Made like `./jam services` makes the test one (role and database
/// <c>jam</c>, trust on loopback); fsync is off for speed, which a crash of PostgreSQL alone (not of the machine)
/// does not notice. As root PostgreSQL runs as the postgres user, in a folder it can reach under /var/tmp.
/// </summary>
public sealed class OwnPostgres : IAsyncDisposable
{
    private static readonly string Bin = Directory.GetDirectories("/usr/lib/postgresql")
        .Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
        .OrderBy(d => int.Parse(Path.GetFileName(Path.GetDirectoryName(d))!, CultureInfo.InvariantCulture)).Last();

    private static readonly bool AsRoot = Environment.UserName == "root";

    private readonly string _folder;

    private OwnPostgres(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Database=jam;Username=jam;Maximum Pool Size=30";

    private string Data => Path.Combine(_folder, "data");

    public static async Task<OwnPostgres> StartAsync()
    {
        var folder = Path.Combine(AsRoot ? "/var/tmp" : Path.GetTempPath(), "jamserver-own-pg-" + JamClient.NewId()[..10]);
        Directory.CreateDirectory(folder);
        var postgres = new OwnPostgres(folder, FreePort());
        try
        {
            if (AsRoot)
            {
                await RunAsync("chown", "postgres:postgres", folder);
            }

            await PgAsync("initdb", "-D", postgres.Data, "-U", "jam", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            await postgres.StartAgainAsync();
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={postgres.Port};Database=postgres;Username=jam");
            await connection.OpenAsync().Timely();
            await using var create = new NpgsqlCommand("create database jam", connection);
            await create.ExecuteNonQueryAsync().Timely();
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    public Task StartAgainAsync() => PgAsync(
        "pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "30", "start", "-o",
        $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c full_page_writes=off -c max_connections=100");

    /// <summary>Like a crash: every PostgreSQL process quits at once, without a checkpoint.</summary>
    public Task CrashAsync() => PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "-t", "30", "stop");

    /// <summary>
    /// SIGSTOP (or SIGCONT) to the postmaster and every backend: connections open but nothing answers. A backend that
    /// ended meanwhile is no error.
    /// </summary>
    public async Task SignalAllAsync(string signal)
    {
        // Stopped first and continued last, the postmaster starts no backend that the list of its children would miss.
        var postmaster = (await File.ReadAllLinesAsync(Path.Combine(Data, "postmaster.pid")))[0].Trim();
        if (signal == "STOP")
        {
            await RunAsync("kill", "-STOP", postmaster);
        }

        var (_, children) = await RunAsync("pgrep", "-P", postmaster);
        var pids = children.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (pids.Length > 0)
        {
            await RunAsync("kill", ["-" + signal, .. pids]);
        }

        if (signal != "STOP")
        {
            await RunAsync("kill", "-" + signal, postmaster);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                await SignalAllAsync("CONT");
                await PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "-t", "30", "stop");
            }
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Output)> PgAsync(string program, params string[] args) =>
        AsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, program), .. args]) : RunAsync(Path.Combine(Bin, program), args);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().Timely(TimeSpan.FromSeconds(45));
        if (process.ExitCode != 0 && program is not ("pgrep" or "kill"))
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {await errors}");
        }

        return (process.ExitCode, await output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
