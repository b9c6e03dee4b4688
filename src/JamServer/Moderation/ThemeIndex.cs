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
/// grows with V alone, so the jam's first window ranks by volume. A word is left out when a phrase holding it is a
/// theme too, found in at least 80% of the word's posts. Posts count only when they have a term (posts in other
/// languages do not). Times are exact: the window is (now − window, now], the baseline every earlier post.
/// </para>
/// Thread-safe: posts may be added while themes are queried; a query sees the posts added before it started and
/// perhaps some added while it ran.
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
    private readonly Dictionary<int, int> _jamTotals = [];
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
        _rooms.GetOrAdd(roomId, static _ => new RoomTerms()).Add(new RoomTerms.Post(at.UtcTicks, ids, stored));
        lock (_totalsLock)
        {
            _jamPosts++;
            foreach (var id in ids)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_jamTotals, id, out _)++;
            }
        }

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
        var startTicks = nowTicks - window.Ticks;

        // Every post since the window's start, of every room (the baseline is the jam's posts before it), copied
        // out under each room's lock in turn; the scope's posts in the window are [scopeFrom, scopeTo).
        var since = new List<RoomTerms.Post>();
        int scopeFrom = 0, scopeTo = 0;
        foreach (var (id, room) in _rooms)
        {
            var from = since.Count;
            room.CopyAfter(startTicks, since);
            if (id == roomId)
            {
                (scopeFrom, scopeTo) = (from, since.Count);
            }
        }

        if (roomId is null)
        {
            scopeTo = since.Count;
        }

        var candidates = Tally(CollectionsMarshal.AsSpan(since)[scopeFrom..scopeTo], nowTicks, out var windowPosts);
        RemoveBelow(candidates, _minVolume);
        if (candidates.Count == 0)
        {
            return [];
        }

        var themes = Rank(candidates, windowPosts, BaselineOf(candidates, since));
        return themes.Count > top ? themes[..top] : themes;
    }

    private struct WindowTally
    {
        public int Volume;
        public int Scored;
        public double ScoreSum;
        public int SinceStart;
    }

    /// <summary>Each term's posts (and their scores) among those up to now.</summary>
    private static Dictionary<int, WindowTally> Tally(ReadOnlySpan<RoomTerms.Post> posts, long nowTicks, out int counted)
    {
        var tally = new Dictionary<int, WindowTally>();
        counted = 0;
        foreach (ref readonly var post in posts)
        {
            if (post.Ticks > nowTicks)
            {
                continue;
            }

            counted++;
            var scored = !float.IsNaN(post.Score);
            foreach (var id in post.Terms)
            {
                ref var t = ref CollectionsMarshal.GetValueRefOrAddDefault(tally, id, out _);
                t.Volume++;
                if (scored)
                {
                    t.Scored++;
                    t.ScoreSum += post.Score;
                }
            }
        }

        return tally;
    }

    private static void RemoveBelow(Dictionary<int, WindowTally> tally, int minVolume)
    {
        foreach (var (id, t) in tally)
        {
            if (t.Volume < minVolume)
            {
                tally.Remove(id);
            }
        }
    }

    private readonly record struct Baseline(int Posts, Dictionary<int, int> Volumes);

    /// <summary>The jam's posts before the window: the totals less what came since the window's start.</summary>
    private Baseline BaselineOf(Dictionary<int, WindowTally> candidates, List<RoomTerms.Post> since)
    {
        foreach (var post in since)
        {
            foreach (var id in post.Terms)
            {
                ref var t = ref CollectionsMarshal.GetValueRefOrNullRef(candidates, id);
                if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref t))
                {
                    t.SinceStart++;
                }
            }
        }

        var volumes = new Dictionary<int, int>(candidates.Count);
        int posts;
        lock (_totalsLock)
        {
            // Posts added since the copy count in the totals only, so the baseline may hold a few of them: never below 0.
            posts = Math.Max(0, _jamPosts - since.Count);
            foreach (var (id, t) in candidates)
            {
                volumes[id] = Math.Max(0, _jamTotals.GetValueOrDefault(id) - t.SinceStart);
            }
        }

        return new Baseline(posts, volumes);
    }

    private List<Theme> Rank(Dictionary<int, WindowTally> window, int windowPosts, Baseline baseline)
    {
        var themes = new List<Theme>();
        foreach (var (id, t) in window)
        {
            var baselineVolume = baseline.Volumes[id];
            var expected = baseline.Posts == 0 ? 0 : (double)windowPosts * baselineVolume / baseline.Posts;
            if (t.Volume <= expected)
            {
                continue;
            }

            themes.Add(new Theme(
                _terms.Name(id),
                t.Volume,
                t.Scored == 0 ? null : t.ScoreSum / t.Scored,
                (t.Volume + Smoothing) / (expected + Smoothing),
                baselineVolume));
        }

        PreferPhrases(themes);
        themes.Sort(static (a, b) =>
            b.Lift.CompareTo(a.Lift) is not 0 and var byLift ? byLift
            : b.Volume.CompareTo(a.Volume) is not 0 and var byVolume ? byVolume
            : string.CompareOrdinal(a.Term, b.Term));
        return themes;
    }

    /// <summary>Drops each word that a phrase among the themes covers (in at least <see cref="PhraseCover"/> of the word's posts).</summary>
    private static void PreferPhrases(List<Theme> themes)
    {
        var byTerm = new Dictionary<string, Theme>(themes.Count, StringComparer.Ordinal);
        foreach (var theme in themes)
        {
            byTerm[theme.Term] = theme;
        }

        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var theme in themes)
        {
            var space = theme.Term.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                continue;
            }

            foreach (var word in (string[])[theme.Term[..space], theme.Term[(space + 1)..]])
            {
                if (byTerm.TryGetValue(word, out var alone) && theme.Volume >= PhraseCover * alone.Volume)
                {
                    covered.Add(word);
                }
            }
        }

        themes.RemoveAll(t => covered.Contains(t.Term));
    }
}
