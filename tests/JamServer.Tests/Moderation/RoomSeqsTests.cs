using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class RoomSeqsTests
{
    [Fact]
    public void Seqs_recorded_in_any_order_close_the_gaps_behind_them()
    {
        var seqs = new RoomSeqs();
        foreach (var seq in new long[] { 1, 2, 4, 5, 2, 7 })
        {
            seqs.Add(seq);
        }

        Assert.Equal(2, seqs.Contiguous);
        seqs.Add(3);
        Assert.Equal(5, seqs.Contiguous);
        seqs.Add(6);
        Assert.Equal(7, seqs.Contiguous);
    }
}
