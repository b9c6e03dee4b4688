namespace JamServer.Moderation;

/// <summary>
/// The sequence numbers of a room's posts recorded so far: all up to <see cref="Contiguous"/>, and some beyond it.
/// A room's posts are numbered 1, 2, 3, ... without gaps, so anything short of the room's last seq was missed.
/// </summary>
public sealed class RoomSeqs
{
    private readonly SortedSet<long> _beyond = [];

    public long Contiguous { get; private set; }

    public void Add(long seq)
    {
        if (seq <= Contiguous)
        {
            return;
        }

        _beyond.Add(seq);
        while (_beyond.Count > 0 && _beyond.Min == Contiguous + 1)
        {
            _beyond.Remove(Contiguous + 1);
            Contiguous++;
        }
    }
}
