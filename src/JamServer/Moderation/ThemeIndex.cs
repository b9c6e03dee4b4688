using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace JamServer.Moderation;

/// <summary>
/// The emerging themes of a room or of the whole jam: the terms (<see cref="TermExtractor"/>) whose share of the
/// posts in a recent window rises against their share of the jam's posts before it.
/// <para>
/// For a window of N posts (of the room, or of the jam) in which V contain the term, and a baseline of the jam's M
/// posts before the window of which B contain it, the window would be expected to hold E = N × B / M posts with the
/// term (E = 0 while the baseline is empty), and <c>Lift = (V + 2) / (E + 2)</c>: a ratio of the observed volume to
/// the expected one, smoothed by two posts so that a term needs volume as well as novelty. A theme needs
/// V ≥ the minimum volume (3) and Lift &gt; 1, and themes rank by lift, then volume; with an empty baseline the lift
/// grows with V alone, so the jam's first window ranks by volume. A word is left out when a phrase holding it is
/// returned too and is in at least 80% of the word's posts. Posts count only when they have a term (posts in other
/// languages do not). Times are exact: the window is (now − window, now], the baseline every earlier post.
/// </para>
/// Thread-safe: posts may be added while themes are queried; a query sees the posts added before it started, and a
/// post added while it runs may count in the baseline only.
/// </summary>
public sealed class ThemeIndex
{
    public static readonly TimeSpan MinWindow = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(24);
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);
    public const int DefaultTop = 20;
    public const int MaxTop = 100;
    public const int DefaultMinVolume = 3;

    /// <summary>The posts added to the observed and the expected volume before comparing them.</summary>
    public const double Smoothing = 2;

    /// <summary>A word gives way to a phrase holding it when the phrase is in at least this share of the word's posts.</summary>
    public const double PhraseCover = 0.8;

    private readonly int _minVolume;
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RoomTerms> _rooms = new(StringComparer.Ordinal);
    private readonly TermTable _terms = new();
    private readonly Lock _totalsLock = new();

    /// <summary>The jam's posts holding each term (by number), ever; read for the baseline.</summary>
    private int[] _jamTotals = new int[1024];
    private int _jamPosts;

    public ThemeIndex(int minVolume = DefaultMinVolume)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minVolume, 1);
        _minVolume = minVolume;
    }

    /// <summary>The distinct terms indexed so far.</summary>
    public int TermCount => _terms.Count;

    /// <summary>
    /// Indexes a post's terms (each counted once however often listed). Returns false, changing nothing, when this
    /// post id was added before. A post without terms is remembered but not counted.
    /// </summary>
    public bool Add(string roomId, string postId, DateTimeOffset at, IReadOnlyList<string> terms, double? score)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        ArgumentException.ThrowIfNullOrEmpty(postId);
        ArgumentNullException.ThrowIfNull(terms);
        if (!_seen.TryAdd(postId, 0))
        {
            return false;
        }

        if (terms.Count == 0)
        {
            return true;
        }

        var ids = _terms.Intern(terms);
        var stored = score is { } s && !double.IsNaN(s) ? (float)Math.Clamp(s, -1, 1) : float.NaN;
        // Totals first: a query that copies this post then finds its terms counted in them.
        lock (_totalsLock)
        {
            if (ids[^1] >= _jamTotals.Length)
            {
                Array.Resize(ref _jamTotals, Math.Max(ids[^1] + 1, _jamTotals.Length * 2));
            }

            _jamPosts++;
            foreach (var id in ids)
            {
                _jamTotals[id]++;
            }
        }

        _rooms.GetOrAdd(roomId, static _ => new RoomTerms()).Add(new RoomTerms.Post(at.UtcTicks, ids, stored));
        return true;
    }

    /// <summary>
    /// The up to <paramref name="top"/> themes of the posts in (now − window, now] of the room, or of the whole jam
    /// when <paramref name="roomId"/> is null, against the jam's posts up to now − window; strongest first.
    /// The endpoint keeps the window within <see cref="MinWindow"/> and <see cref="MaxWindow"/>; any positive one works here.
    /// </summary>
    public IReadOnlyList<Theme> Emerging(string? roomId, DateTimeOffset now, TimeSpan window, int top = DefaultTop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var nowTicks = now.UtcTicks;

        // Every post since the window's start, of every room (the baseline is the jam's posts before it), copied
        // out under each room's lock in turn; the scope's are [scopeFrom, scopeTo).
        var since = new List<RoomTerms.Post>();
        int scopeFrom = 0, scopeTo = 0;
        foreach (var (id, room) in _rooms)
        {
            var from = since.Count;
            room.CopyAfter(nowTicks - window.Ticks, since);
            if (id == roomId)
            {
                (scopeFrom, scopeTo) = (from, since.Count);
            }
        }

        if (roomId is null)
        {
            scopeTo = since.Count;
        }

        // Term numbers are dense, so counting is indexing arrays; any number in the copied posts is below this count.
        var termCount = _terms.Count;
        var volumes = ArrayPool<int>.Shared.Rent(termCount);
        var jamSince = ArrayPool<int>.Shared.Rent(termCount);
        try
        {
            Array.Clear(volumes, 0, termCount);
            Array.Clear(jamSince, 0, termCount);
            var all = CollectionsMarshal.AsSpan(since);
            var scope = all[scopeFrom..scopeTo];
            var windowPosts = Count(scope, long.MinValue, nowTicks, volumes);

            // The jam's posts since the window's start: for the jam, its window and any posts later than now.
            Count(all, roomId is null ? nowTicks : long.MinValue, long.MaxValue, jamSince);
            if (roomId is null)
            {
                for (var id = 0; id < termCount; id++)
                {
                    jamSince[id] += volumes[id];
                }
            }

            var rising = Rising(volumes, jamSince, termCount, windowPosts, since.Count);
            var chosen = Choose(rising, top);
            return chosen.Count == 0 ? [] : Themes(chosen, scope, nowTicks, volumes);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(volumes);
            ArrayPool<int>.Shared.Return(jamSince);
        }
    }

    /// <summary>Counts each term's posts among those later than <paramref name="afterTicks"/> up to <paramref name="toTicks"/>; returns how many posts that is.</summary>
    private static int Count(ReadOnlySpan<RoomTerms.Post> posts, long afterTicks, long toTicks, int[] volumes)
    {
        var counted = 0;
        foreach (ref readonly var post in posts)
        {
            if (post.Ticks > afterTicks && post.Ticks <= toTicks)
            {
                counted++;
                foreach (var id in post.Terms)
                {
                    volumes[id]++;
                }
            }
        }

        return counted;
    }

    private readonly record struct Candidate(int Id, int Volume, int BaselineVolume, double Lift);

    /// <summary>The terms with the minimum volume whose volume exceeds what the baseline predicts, strongest first (ties by number).</summary>
    private List<Candidate> Rising(int[] volumes, int[] jamSince, int termCount, int windowPosts, int jamPostsSince)
    {
        var rising = new List<Candidate>();
        lock (_totalsLock)
        {
            // Posts added since the copy count in the totals only, so the baseline may hold a few of them: never below 0.
            var baselinePosts = Math.Max(0, _jamPosts - jamPostsSince);
            for (var id = 0; id < termCount; id++)
            {
                var volume = volumes[id];
                if (volume < _minVolume)
                {
                    continue;
                }

                var total = id < _jamTotals.Length ? _jamTotals[id] : 0;
                var baseline = Math.Max(0, total - jamSince[id]);
                var expected = baselinePosts == 0 ? 0 : (double)windowPosts * baseline / baselinePosts;
                if (volume > expected)
                {
                    rising.Add(new Candidate(id, volume, baseline, (volume + Smoothing) / (expected + Smoothing)));
                }
            }
        }

        rising.Sort(static (a, b) =>
            b.Lift.CompareTo(a.Lift) is not 0 and var byLift ? byLift
            : b.Volume.CompareTo(a.Volume) is not 0 and var byVolume ? byVolume
            : a.Id.CompareTo(b.Id));
        return rising;
    }

    /// <summary>
    /// The first <paramref name="top"/> of the rising terms, equal ones in order of their text, leaving out each word
    /// that a phrase chosen too covers (<see cref="PhraseCover"/>). Only the terms looked at are named.
    /// </summary>
    private List<(Candidate Candidate, string Term)> Choose(List<Candidate> rising, int top)
    {
        var chosen = new List<(Candidate Candidate, string Term)>(top + 2);
        var i = 0;
        while (i < rising.Count && chosen.Count < top)
        {
            var end = i + 1;
            while (end < rising.Count && rising[end].Lift == rising[i].Lift && rising[end].Volume == rising[i].Volume)
            {
                end++;
            }

            var ids = new int[end - i];
            for (var k = 0; k < ids.Length; k++)
            {
                ids[k] = rising[i + k].Id;
            }

            var names = _terms.Names(ids);
            var ties = new List<(Candidate Candidate, string Term)>(ids.Length);
            for (var k = 0; k < ids.Length; k++)
            {
                ties.Add((rising[i + k], names[k]));
            }

            ties.Sort(static (a, b) => string.CompareOrdinal(a.Term, b.Term));
            foreach (var tie in ties)
            {
                if (chosen.Count == top)
                {
                    break;
                }

                ChooseOne(chosen, tie);
            }

            i = end;
        }

        return chosen;
    }

    private static void ChooseOne(List<(Candidate Candidate, string Term)> chosen, (Candidate Candidate, string Term) next)
    {
        var space = next.Term.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            foreach (var (candidate, term) in chosen)
            {
                if (Covers(term, candidate.Volume, next.Term, next.Candidate.Volume))
                {
                    return;
                }
            }
        }
        else
        {
            chosen.RemoveAll(c => Covers(next.Term, next.Candidate.Volume, c.Term, c.Candidate.Volume));
        }

        chosen.Add(next);
    }

    /// <summary>Whether the phrase holds the word and is in enough of its posts to stand for it.</summary>
    private static bool Covers(string phrase, int phraseVolume, string word, int wordVolume)
    {
        var space = phrase.IndexOf(' ', StringComparison.Ordinal);
        return space > 0
            && phraseVolume >= PhraseCover * wordVolume
            && (phrase.AsSpan(0, space).SequenceEqual(word) || phrase.AsSpan(space + 1).SequenceEqual(word));
    }

    /// <summary>The chosen terms as themes, with the mean score of the scored posts holding each (marked in <paramref name="marks"/>).</summary>
    private static List<Theme> Themes(List<(Candidate Candidate, string Term)> chosen, ReadOnlySpan<RoomTerms.Post> scope, long nowTicks, int[] marks)
    {
        foreach (var (candidate, _) in chosen)
        {
            marks[candidate.Id] = 0;
        }

        for (var i = 0; i < chosen.Count; i++)
        {
            marks[chosen[i].Candidate.Id] = -(i + 1);
        }

        var scored = new int[chosen.Count];
        var sums = new double[chosen.Count];
        foreach (ref readonly var post in scope)
        {
            if (post.Ticks > nowTicks || float.IsNaN(post.Score))
            {
                continue;
            }

            foreach (var id in post.Terms)
            {
                if (marks[id] < 0)
                {
                    scored[-marks[id] - 1]++;
                    sums[-marks[id] - 1] += post.Score;
                }
            }
        }

        var themes = new List<Theme>(chosen.Count);
        for (var i = 0; i < chosen.Count; i++)
        {
            var (candidate, term) = chosen[i];
            themes.Add(new Theme(term, candidate.Volume, scored[i] == 0 ? null : sums[i] / scored[i], candidate.Lift, candidate.BaselineVolume));
        }

        return themes;
    }
}
