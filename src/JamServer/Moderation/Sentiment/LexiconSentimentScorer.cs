using System.Buffers;
using static JamServer.Moderation.Sentiment.EnglishRules;

namespace JamServer.Moderation.Sentiment;

/// <summary>
/// A VADER-style scorer: lexicon valences modified by negation, intensifiers, "but", capitals, exclamation marks,
/// emoji and emoticons, summed and normalised into [-1, 1]. Scores English; other languages are unscored.
/// Stateless after construction: safe to share across threads as a singleton.
/// </summary>
public sealed class LexiconSentimentScorer : ISentimentScorer
{
    private readonly LanguageDetector _detector;
    private readonly SentimentLexicon _lexicon;

    public LexiconSentimentScorer()
        : this(new LanguageDetector())
    {
    }

    public LexiconSentimentScorer(LanguageDetector detector)
    {
        _detector = detector;
        _lexicon = SentimentLexicon.English;
    }

    public SentimentReading Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var language = _detector.Detect(text);
        if (language == "en")
        {
            return new SentimentReading(language, Compute(text, symbolsOnly: false));
        }

        // A post of emoji or emoticons alone ("👍", ":(") has no language but a plain sentiment.
        var symbols = language == LanguageDetector.Undetermined ? Compute(text, symbolsOnly: true) : null;
        return symbols is null ? SentimentReading.Unscored(language) : new SentimentReading(language, symbols);
    }

    /// <summary>The English score of a text, whatever its language.</summary>
    internal double ScoreEnglish(string text) => Compute(text, symbolsOnly: false) ?? 0;

    private readonly record struct Item(LexiconEntry? Entry, double Valence, TokenKind Kind, bool Caps)
    {
        public bool IsWord => Kind == TokenKind.Word;
    }

    private double? Compute(string text, bool symbolsOnly)
    {
        if (text.Contains('\u2019', StringComparison.Ordinal))
        {
            text = text.Replace('\u2019', '\'');
        }

        var tokens = ArrayPool<Token>.Shared.Rent(text.Length + 1);
        var items = ArrayPool<Item>.Shared.Rent(text.Length + 1);
        try
        {
            var summary = SentimentTokens.Split(text, tokens);
            if (symbolsOnly && summary.HasLetters)
            {
                return null;
            }

            var count = Resolve(text, tokens.AsSpan(0, summary.Count), items);
            var sum = Sum(items.AsSpan(0, count), emphasiseCaps: summary.HasCapsWord && summary.HasLowercase, out var symbols);
            if (symbolsOnly && symbols == 0)
            {
                return null;
            }

            return Normalise(sum + PunctuationEmphasis(sum, summary.Exclamations, summary.Questions));
        }
        finally
        {
            ArrayPool<Token>.Shared.Return(tokens);
            ArrayPool<Item>.Shared.Return(items, clearArray: true);
        }
    }

    /// <summary>Looks every word up once; a phrase found ("red tape", "kind of") becomes one item.</summary>
    private int Resolve(ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, Span<Item> items)
    {
        var count = 0;
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            if (token.Kind != TokenKind.Word)
            {
                items[count++] = new Item(null, token.SymbolValence, token.Kind, Caps: false);
                continue;
            }

            var word = text.Slice(token.Start, token.Length);
            _lexicon.Words.TryGetValue(word, out var entry);
            foreach (var phrase in entry?.Phrases ?? [])
            {
                if (Matches(phrase, text, tokens, t))
                {
                    entry = phrase.Entry;
                    t += phrase.Words.Length - 1;
                    break;
                }
            }

            items[count++] = new Item(entry, entry?.Valence ?? 0, TokenKind.Word, SentimentTokens.IsAllCaps(word));
        }

        return count;
    }

    private static bool Matches(Phrase phrase, ReadOnlySpan<char> text, ReadOnlySpan<Token> tokens, int first)
    {
        if (first + phrase.Words.Length > tokens.Length)
        {
            return false;
        }

        for (var k = 1; k < phrase.Words.Length; k++)
        {
            var token = tokens[first + k];
            if (token.Kind != TokenKind.Word || !text.Slice(token.Start, token.Length).Equals(phrase.Words[k], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static double Sum(ReadOnlySpan<Item> items, bool emphasiseCaps, out int symbols)
    {
        var contrast = -1;
        for (var j = 0; j < items.Length && contrast < 0; j++)
        {
            contrast = items[j].Entry?.Contrast == true ? j : -1;
        }

        double sum = 0;
        symbols = 0;
        for (var j = 0; j < items.Length; j++)
        {
            var item = items[j];
            symbols += item.Kind == TokenKind.Symbol ? 1 : 0;
            var valence = item.IsWord && item.Valence != 0 ? Modified(items, j, emphasiseCaps) : item.Valence;
            if (contrast >= 0 && j != contrast)
            {
                valence *= j < contrast ? BeforeContrast : AfterContrast;
            }

            sum += valence;
        }

        return sum;
    }

    /// <summary>A word's valence after the rules of its context: where it stands, capitals, intensifiers, negation.</summary>
    private static double Modified(ReadOnlySpan<Item> items, int at, bool emphasiseCaps)
    {
        var item = items[at];
        var entry = item.Entry!;
        var alone = at + 1 >= items.Length || !items[at + 1].IsWord;
        if ((entry.ValenceOnlyAlone && !alone) || (entry.ValenceNeedsSubject && !AfterSubject(items, at)))
        {
            return 0;
        }

        var sign = Math.Sign(item.Valence);
        var magnitude = Math.Abs(item.Valence) + (item.Caps && emphasiseCaps ? CapsEmphasis : 0);
        bool negated = false, remedied = false;
        for (var distance = 1; distance <= LookBack && at - distance >= 0; distance++)
        {
            var before = items[at - distance];
            if (before.Kind == TokenKind.ClauseBreak)
            {
                break;
            }

            if (before.Entry is not { } modifier)
            {
                continue;
            }

            if (modifier.Boost != 0)
            {
                var boost = modifier.Boost * LookBackDecay[distance];
                magnitude += boost + (before.Caps && emphasiseCaps ? Math.Sign(modifier.Boost) * CapsEmphasis : 0);
            }

            negated |= modifier.Negates;
            remedied |= modifier.Remedy && sign < 0;
        }

        var valence = sign * Math.Max(magnitude, 0);
        valence *= remedied ? RemedyScalar : 1;
        return negated || NegatedOpinion(items, at) ? valence * NegationScalar : valence;
    }

    /// <summary>"I like it" but not "would like" or "looks like".</summary>
    private static bool AfterSubject(ReadOnlySpan<Item> items, int at) =>
        at > 0 && items[at - 1].Entry is { } before && (before.LikeSubject || before.Negates || before.Boost > 0);

    /// <summary>"I don't think this will scale": a negated opinion verb earlier in the clause negates the word.</summary>
    private static bool NegatedOpinion(ReadOnlySpan<Item> items, int at)
    {
        for (var p = at - 1; p > 0 && items[p].Kind != TokenKind.ClauseBreak; p--)
        {
            if (items[p].Entry?.OpinionVerb == true && items[p - 1].Entry?.Negates == true)
            {
                return true;
            }
        }

        return false;
    }

    private static double PunctuationEmphasis(double sum, int exclamations, int questions)
    {
        var emphasis = Math.Min(exclamations, MaxExclamations) * ExclamationStep
            + (questions > 1 ? Math.Min(questions * QuestionStep, MaxQuestionEmphasis) : 0);
        return Math.Sign(sum) * emphasis;
    }

    private static double Normalise(double sum) =>
        Math.Round(Math.Clamp(sum / Math.Sqrt((sum * sum) + NormalisationAlpha), -1, 1), 4);
}
