using System.Text.Json;
using JamLoad;

if (args.Length > 0 && args[0] == "report")
{
    // report RESULT.json...: markdown for several runs; a run named X-jam* is compared with X-bare of the same bench.
    var results = args.Skip(1).Select(f => JsonSerializer.Deserialize<LoadResult>(File.ReadAllText(f))!).ToList();
    foreach (var cluster in ClusterReport.Runs(results))
    {
        Console.WriteLine(ClusterReport.ToMarkdown(cluster));
    }

    foreach (var jam in results.Where(r => r.Target == "jam"))
    {
        var scenario = jam.Name.Split('-')[0];
        if (scenario == "writes")
        {
            Console.WriteLine(Comparison.WritesToMarkdown(jam));
        }
        else if (results.FirstOrDefault(r => r.Target == "bare" && r.Name.Split('-')[0] == scenario) is { } bare)
        {
            Console.WriteLine(Comparison.ToMarkdown(bare, jam));
        }
    }

    Console.WriteLine(string.Join(Environment.NewLine, results.Where(r => !ClusterReport.Runs([r]).Any()).Select(r => r.ToMarkdown())));
    return 0;
}

if (args.Length > 0 && args[0] == "votes")
{
    // votes --voters N --proposals P [--extra-votes 2] [--zipf 1] ...: the vote rush (docs/performance.md).
    var rushOptions = LoadOptions.Parse(args[1..]);
    using var rushStop = new CancellationTokenSource();
    var rush = await VoteRush.RunAsync(rushOptions, Console.Out, rushStop.Token);
    var rushMarkdown = rush.ToMarkdown();
    Console.WriteLine(rushMarkdown);
    if (rushOptions.OutputDirectory is { } rushDir)
    {
        Directory.CreateDirectory(rushDir);
        await File.WriteAllTextAsync(Path.Combine(rushDir, rushOptions.Name + ".votes.md"), rushMarkdown);
    }

    return rush.Clean ? 0 : 1;
}

if (args.Length > 0 && args[0] == "storm")
{
    // storm --clients N --rooms R --writers W --rates R ...: the reconnect storm (load-tests/README.md).
    var stormOptions = LoadOptions.Parse(args[1..]);
    using var stormStop = new CancellationTokenSource();
    var storm = await Storm.RunAsync(
        stormOptions, Console.Out, stormStop.Token, stormOptions.RestartCommand is { } restart ? () => RunShellAsync(restart) : null);
    var stormMarkdown = storm.ToMarkdown();
    Console.WriteLine(stormMarkdown);
    if (stormOptions.OutputDirectory is { } stormDir)
    {
        Directory.CreateDirectory(stormDir);
        await File.WriteAllTextAsync(Path.Combine(stormDir, stormOptions.Name + ".storm.md"), stormMarkdown);
        await File.WriteAllTextAsync(Path.Combine(stormDir, stormOptions.Name + ".storm.json"), JsonSerializer.Serialize(storm, new JsonSerializerOptions { WriteIndented = true }));
    }

    return storm.Clean ? 0 : 1;
}

if (args.Length > 0 && args[0] == "replay")
{
    // replay --participants N --posts N --rooms N --votes N ...: a whole jam, compressed (load-tests/README.md).
    return await Replay.MainAsync(args[1..], Console.Out);
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"jamload: {ex.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var result = await Scenario.RunAsync(options, Console.Out, stop.Token);
var markdown = result.ToMarkdown();
Console.WriteLine(markdown);
if (options.OutputDirectory is { } dir)
{
    Directory.CreateDirectory(dir);
    await File.WriteAllTextAsync(Path.Combine(dir, options.Name + ".json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    await File.WriteAllTextAsync(Path.Combine(dir, options.Name + ".md"), markdown);
}

return result.Clean ? 0 : 1;

// The storm's --restart-command: given two minutes, and it must succeed.
static async Task RunShellAsync(string command)
{
    var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
    start.ArgumentList.Add("-c");
    start.ArgumentList.Add(command);
    using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start");
    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"the restart command exited with {process.ExitCode}");
    }
}
