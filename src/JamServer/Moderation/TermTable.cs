namespace JamServer.Moderation;

/// <summary>Numbers each distinct term once, so that posts hold small numbers and each term's text is stored once.</summary>
internal sealed class TermTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _terms = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _terms.Count;
            }
        }
    }

    /// <summary>The distinct terms' numbers, in ascending order.</summary>
    public int[] Intern(IReadOnlyList<string> terms)
    {
        var ids = new int[terms.Count];
        lock (_lock)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                var term = terms[i];
                if (!_ids.TryGetValue(term, out var id))
                {
                    id = _terms.Count;
                    _ids.Add(term, id);
                    _terms.Add(term);
                }

                ids[i] = id;
            }
        }

        Array.Sort(ids);
        var distinct = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            if (i == 0 || ids[i] != ids[i - 1])
            {
                ids[distinct++] = ids[i];
            }
        }

        return distinct == ids.Length ? ids : ids[..distinct];
    }

    /// <summary>The terms with these numbers, read under one lock.</summary>
    public string[] Names(ReadOnlySpan<int> ids)
    {
        var names = new string[ids.Length];
        lock (_lock)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                names[i] = _terms[ids[i]];
            }
        }

        return names;
    }
}
