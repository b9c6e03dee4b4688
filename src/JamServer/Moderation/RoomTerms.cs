namespace JamServer.Moderation;

/// <summary>A room's posts as their terms' numbers and score, in order of time, under their own lock.</summary>
internal sealed class RoomTerms
{
    /// <summary>A post's terms (ascending numbers) and score (NaN when unscored).</summary>
    public readonly record struct Post(long Ticks, int[] Terms, float Score);

    private readonly Lock _lock = new();
    private readonly List<Post> _posts = [];

    public void Add(Post post)
    {
        lock (_lock)
        {
            if (_posts.Count == 0 || _posts[^1].Ticks <= post.Ticks)
            {
                _posts.Add(post);
            }
            else
            {
                _posts.Insert(After(post.Ticks), post);
            }
        }
    }

    /// <summary>Appends the posts later than <paramref name="afterTicks"/>, oldest first, to <paramref name="into"/>.</summary>
    public void CopyAfter(long afterTicks, List<Post> into)
    {
        lock (_lock)
        {
            var first = After(afterTicks);
            into.AddRange(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_posts)[first..]);
        }
    }

    /// <summary>The position of the first post later than the given time.</summary>
    private int After(long ticks)
    {
        int low = 0, high = _posts.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_posts[middle].Ticks <= ticks)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
