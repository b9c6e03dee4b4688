using System.Collections.Concurrent;

namespace JamLoad;

/// <summary>Everything a run counts, shared by its receivers and writers.</summary>
public sealed class Metrics(int steps)
{
    /// <summary>The step number of warm-up posts: owed to receivers like any other, but in no latency figure.</summary>
    public const int WarmupStep = -1;

    private readonly LatencyHistogram[] _delivery = Enumerable.Range(0, steps).Select(_ => new LatencyHistogram()).ToArray();
    private readonly LatencyHistogram[] _ack = Enumerable.Range(0, steps).Select(_ => new LatencyHistogram()).ToArray();
    private long _duplicates;
    private long _closedByServer;
    private long _unstamped;

    public ConcurrentDictionary<string, long> Errors { get; } = new();

    /// <summary>Acknowledged posts: room → seqs.</summary>
    public ConcurrentDictionary<string, ConcurrentBag<long>> Acked { get; } = new();

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long ServerCloses => Interlocked.Read(ref _closedByServer);

    public LatencySummary DeliveryLatency(int step) => _delivery[step].Summary();

    public LatencySummary AckLatency(int step) => _ack[step].Summary();

    public void Delivered(long sentAtMicros, int step)
    {
        if (step == WarmupStep)
        {
            return;
        }

        if (step < 0 || step >= _delivery.Length || sentAtMicros == 0)
        {
            Interlocked.Increment(ref _unstamped);
            return;
        }

        _delivery[step].Record(TimeSpan.FromMicroseconds(PostBody.NowMicros() - sentAtMicros));
    }

    public void Acknowledged(string roomId, long seq, int step, TimeSpan latency)
    {
        Acked.GetOrAdd(roomId, _ => []).Add(seq);
        if (step != WarmupStep)
        {
            _ack[step].Record(latency);
        }
    }

    public void Duplicate() => Interlocked.Increment(ref _duplicates);

    public void ClosedByServer() => Interlocked.Increment(ref _closedByServer);

    public void Error(string code) => Errors.AddOrUpdate(code, 1, (_, n) => n + 1);
}
