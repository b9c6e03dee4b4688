using System.Collections.Frozen;
using System.Globalization;

namespace JamServer.Moderation.Sentiment;

/// <summary>
/// The English lexicon: the embedded files lexicon-en.txt and lexicon-en-jam.txt (the jam's terms win) and the
/// rules' word lists, as one table from a word to what it does. Loaded once, read-only after, safe across threads.
/// </summary>
internal sealed class SentimentLexicon
{
    private static readonly Lazy<SentimentLexicon> EnglishLexicon = new(LoadEnglish);

    private readonly FrozenDictionary<string, LexiconEntry> _entries;

    private SentimentLexicon(Dictionary<string, LexiconEntry> entries)
    {
        _entries = entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Words = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static SentimentLexicon English => EnglishLexicon.Value;

    public FrozenDictionary<string, LexiconEntry>.AlternateLookup<ReadOnlySpan<char>> Words { get; }

    internal static SentimentLexicon Parse(params string[] files)
    {
        var builder = new Builder();
        foreach (var file in files)
        {
            builder.AddValences(file);
        }

        builder.AddRules();
        return new SentimentLexicon(builder.Build());
    }

    private static SentimentLexicon LoadEnglish() => Parse(ReadResource("lexicon-en.txt"), ReadResource("lexicon-en-jam.txt"));

    private static string ReadResource(string name)
    {
        var fullName = typeof(SentimentLexicon).Namespace + "." + name;
        using var stream = typeof(SentimentLexicon).Assembly.GetManifestResourceStream(fullName)
            ?? throw new InvalidOperationException($"The embedded resource {fullName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed class Builder
    {
        private static readonly char[] WordSeparators = [' ', '-', '\t'];

        private readonly Dictionary<string, LexiconEntry> _words = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, Phrase> _phrases = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, double> _inflections = new(StringComparer.OrdinalIgnoreCase);

        public void AddValences(string file)
        {
            foreach (var rawLine in file.Split('\n'))
            {
                var line = rawLine.Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var split = line.LastIndexOfAny([' ', '\t']);
                if (split <= 0 || !double.TryParse(line.AsSpan(split + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var valence))
                {
                    throw new FormatException($"A lexicon line needs a term and a valence: '{line}'.");
                }

                var term = line[..split].Trim();
                if (term.EndsWith('+'))
                {
                    term = term[..^1];
                    foreach (var form in Inflections(term))
                    {
                        _inflections[form] = valence;
                    }
                }

                Entry(term).Valence = valence;
            }
        }

        public void AddRules()
        {
            foreach (var (form, valence) in _inflections)
            {
                if (!_words.ContainsKey(form))
                {
                    Entry(form).Valence = valence;
                }
            }

            foreach (var word in EnglishRules.Negators)
            {
                Entry(word).Negates = true;
            }

            foreach (var (term, boost) in EnglishRules.Boosters)
            {
                var entry = Entry(term);
                entry.Boost = boost;
                entry.ValenceOnlyAlone = entry.Valence != 0;
            }

            foreach (var phrase in EnglishRules.Neutralisers)
            {
                Entry(phrase);
            }

            Set(EnglishRules.ContrastWords, e => e.Contrast = true);
            Set(EnglishRules.OpinionVerbs, e => e.OpinionVerb = true);
            Set(EnglishRules.Remedies, e => e.Remedy = true);
            Set(EnglishRules.LikeSubjects, e => e.LikeSubject = true);
            Entry("no").ValenceOnlyAlone = true;
            Entry("like").ValenceNeedsSubject = true;
        }

        public Dictionary<string, LexiconEntry> Build()
        {
            foreach (var group in _phrases.Values.GroupBy(p => p.Words[0], StringComparer.OrdinalIgnoreCase))
            {
                var first = _words.TryGetValue(group.Key, out var existing) ? existing : _words[group.Key] = new LexiconEntry();
                first.Phrases = [.. group.OrderByDescending(p => p.Words.Length)];
            }

            return _words;
        }

        private void Set(string[] words, Action<LexiconEntry> set)
        {
            foreach (var word in words)
            {
                set(Entry(word));
            }
        }

        /// <summary>The entry of a word, or of a phrase when the term has several words ("red tape", "win-win").</summary>
        private LexiconEntry Entry(string term)
        {
            var words = term.Split(WordSeparators, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 1)
            {
                return _words.TryGetValue(words[0], out var entry) ? entry : _words[words[0]] = new LexiconEntry();
            }

            var key = string.Join(' ', words);
            if (!_phrases.TryGetValue(key, out var phrase))
            {
                _phrases[key] = phrase = new Phrase(words, new LexiconEntry());
            }

            return phrase.Entry;
        }

        private static IEnumerable<string> Inflections(string word)
        {
            if (word.EndsWith('e'))
            {
                yield return word + "s";
                yield return word + "d";
                yield return word[..^1] + "ing";
            }
            else if (word.Length > 2 && word.EndsWith('y') && !"aeiou".Contains(word[^2], StringComparison.Ordinal))
            {
                yield return word[..^1] + "ies";
                yield return word[..^1] + "ied";
                yield return word + "ing";
            }
            else
            {
                var sibilant = word.EndsWith('s') || word.EndsWith('x') || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith("sh", StringComparison.Ordinal);
                yield return word + (sibilant ? "es" : "s");
                yield return word + "ed";
                yield return word + "ing";
            }
        }
    }
}
