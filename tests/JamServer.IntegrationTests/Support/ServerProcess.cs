using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace JamServer.IntegrationTests.Support;

/// <summary>
/// A real JamServer process on loopback, on the PostgreSQL and Redis that `./jam test` started. A separate process,
/// so a test can kill it with SIGKILL and start it again on the same data.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string SigningKey = "jamserver-integration-tests-signing-key-0123456789";

    private readonly Dictionary<string, string> _settings;
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ServerProcess(string jamId, IDictionary<string, string>? settings = null)
    {
        JamId = jamId;
        Port = FreePort();
        _settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/'),
            ["Jam__JamId"] = jamId,
            ["Jam__DemoMode"] = "true",
            ["Jam__NodeId"] = "test-" + jamId,
            ["Auth__SigningKey"] = SigningKey,
            ["ConnectionStrings__Postgres"] = TestServices.Postgres,
            ["ConnectionStrings__Redis"] = TestServices.Redis,
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            // "{Port}": this server's port, for a setting that names it among others (ASPNETCORE_URLS).
            _settings[key] = value.Replace("{Port}", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }
    }

    public string JamId { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public int? Pid => _process?.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task StartAsync()
    {
        var serverDir = ServerBuildDirectory();
        var start = new ProcessStartInfo("dotnet", Path.Combine(serverDir, "JamServer.dll"))
        {
            WorkingDirectory = serverDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri("health/ready", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server did not become ready within 60 s:\n{Output}");
    }

    /// <summary>Runs the server's executable with a command (such as <c>tally</c>) on this server's settings.</summary>
    public async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] args)
    {
        var serverDir = ServerBuildDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = serverDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(serverDir, "JamServer.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().Timely(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().Timely();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// SIGTERM, as Kubernetes sends it: the server drains and stops by itself. Returns its exit code and how long it
    /// took to exit; the process is killed if it outlives <paramref name="bound"/>.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(TimeSpan bound)
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        var started = System.Diagnostics.Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().Timely();
        }

        try
        {
            await process.WaitForExitAsync().Timely(bound);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new TimeoutException($"The server did not exit within {bound.TotalSeconds} s of SIGTERM:\n{Output}");
        }

        var result = (process.ExitCode, started.Elapsed);
        process.Dispose();
        _process = null;
        return result;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            File.AppendAllText(LogFile, line + Environment.NewLine);
        }
    }

    /// <summary>The server's console output, kept for a failed run under .jam/test-logs.</summary>
    private string LogFile => Path.Combine(RepositoryRoot().FullName, ".jam", "test-logs", JamId + ".log");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The server's own build output, next to its content files (the jam definition).</summary>
    private static string ServerBuildDirectory()
    {
        var here = AppContext.BaseDirectory;
        var configuration = here.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        return Path.Combine(RepositoryRoot().FullName, "src", "JamServer", "bin", configuration, "net10.0");
    }

    private static DirectoryInfo RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "JamServer.sln")))
        {
            root = root.Parent;
        }

        return root ?? throw new InvalidOperationException("The repository root (JamServer.sln) was not found.");
    }
}

/// <summary>Where `./jam test` put PostgreSQL and Redis (its environment), or their default test ports.</summary>
public static class TestServices
{
    public static string Postgres =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
        ?? "Host=127.0.0.1;Port=55442;Database=jam;Username=jam;Maximum Pool Size=50";

    public static string Redis => Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "127.0.0.1:56389";
}
