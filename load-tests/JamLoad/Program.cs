using System.Text.Json;
using JamLoad;

if (args.Length > 0 && args[0] == "report")
{
    // report OUT.md RESULT.json...: one markdown document from several runs' results.
    var results = args.Skip(2).Select(f => JsonSerializer.Deserialize<LoadResult>(File.ReadAllText(f))!).ToList();
    await File.WriteAllTextAsync(args[1], string.Join(Environment.NewLine, results.Select(r => r.ToMarkdown())));
    return 0;
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
