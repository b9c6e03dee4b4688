using System.Globalization;
using System.Text.Json;

namespace JamLoad;

/// <summary>
/// Load processes of one scale-out run, each driving its own server node, meet through files in a shared directory:
/// all start posting once every peer holds its receivers, and each counts loss against every peer's acknowledged
/// posts, since a post acknowledged by one node is owed to the receivers of its room on every node.
/// </summary>
public sealed class PeerExchange(string directory, int index, int count)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public int Index => index;

    public int Count => count;

    /// <summary>Waits until every peer has said <paramref name="stage"/>; false when one has not within the time given.</summary>
    public async Task<bool> MeetAsync(string stage, TimeSpan within, CancellationToken ct)
    {
        await WriteAtomicallyAsync(PathOf(stage, index), "", ct);
        return await WaitForAllAsync(stage, within, ct);
    }

    /// <summary>Publishes this peer's acknowledged posts and adds every other peer's to <paramref name="metrics"/>.</summary>
    public async Task<bool> ShareAckedAsync(Metrics metrics, TimeSpan within, CancellationToken ct)
    {
        var mine = metrics.Acked.ToDictionary(r => r.Key, r => r.Value.ToArray());
        await WriteAtomicallyAsync(PathOf("acked", index), JsonSerializer.Serialize(mine), ct);
        if (!await WaitForAllAsync("acked", within, ct))
        {
            return false;
        }

        for (var peer = 0; peer < count; peer++)
        {
            if (peer == index)
            {
                continue;
            }

            var theirs = JsonSerializer.Deserialize<Dictionary<string, long[]>>(await File.ReadAllTextAsync(PathOf("acked", peer), ct))!;
            foreach (var (room, seqs) in theirs)
            {
                var bag = metrics.Acked.GetOrAdd(room, _ => []);
                foreach (var seq in seqs)
                {
                    bag.Add(seq);
                }
            }
        }

        return true;
    }

    private async Task<bool> WaitForAllAsync(string stage, TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        while (Enumerable.Range(0, count).Any(peer => !File.Exists(PathOf(stage, peer))))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(Poll, ct);
        }

        return true;
    }

    private string PathOf(string stage, int peer) => Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{stage}-{peer}"));

    private static async Task WriteAtomicallyAsync(string path, string content, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path + ".tmp", content, ct);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
