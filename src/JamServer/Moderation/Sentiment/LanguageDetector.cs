using System.Collections.Frozen;
using static JamServer.Moderation.Sentiment.LanguageProfiles;

namespace JamServer.Moderation.Sentiment;

/// <summary>
/// Tells a post's language without any outside service, in one pass over the text and without allocating:
/// non-Latin scripts by their Unicode blocks, Latin-script languages by their frequent words and telling letters.
/// Returns an ISO 639-1 code, or "und" when the evidence is too thin or too mixed (it prefers that to a wrong guess).
/// Safe to share across threads.
/// </summary>
public sealed class LanguageDetector
{
    public const string Undetermined = "und";

    private const int MaxWordLength = 32;

    /// <summary>A script's letters must be at least this many to name a language.</summary>
    private const int MinScriptLetters = 2;

    /// <summary>The best language needs this much evidence (one word found only in its list counts 1).</summary>
    private const double MinEvidence = 1.0;

    /// <summary>... and this many times the runner-up's.</summary>
    private const double MinLead = 2.0;

    /// <summary>... and, in longer texts, at least this share of the words (a stray "die" in gibberish is not German).</summary>
    private const double MinEvidencePerWord = 0.15;

    /// <summary>Telling letters add at most this much to a language that has a word list (and only with some of its words).</summary>
    private const double MaxLetterEvidence = 2.0;

    private static readonly FrozenDictionary<string, ushort>.AlternateLookup<ReadOnlySpan<char>> Words =
        WordLanguages.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Detect(text.AsSpan());
    }

    public string Detect(ReadOnlySpan<char> text)
    {
        var scripts = new ScriptCounts();
        Span<double> wordEvidence = stackalloc double[Codes.Length];
        Span<double> letterEvidence = stackalloc double[Codes.Length];
        Span<char> word = stackalloc char[MaxWordLength];
        wordEvidence.Clear();
        letterEvidence.Clear();
        var wordLength = 0;
        var latinWords = 0;
        var wordTooLong = false;

        for (var i = 0; i <= text.Length; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            var isApostrophe = c is '\'' or '’';
            if (IsLatinLetter(c) || (isApostrophe && wordLength > 0 && i + 1 < text.Length && IsLatinLetter(text[i + 1])))
            {
                scripts.Latin += isApostrophe ? 0 : 1;
                if (wordLength < MaxWordLength)
                {
                    word[wordLength] = isApostrophe ? '\'' : c;
                }
                else
                {
                    wordTooLong = true;
                }

                wordLength++;
                if (c >= '\u00C0')
                {
                    AddLetterEvidence(c, letterEvidence);
                }

                continue;
            }

            if (wordLength > 0)
            {
                if (!char.IsDigit(c) && !wordTooLong)
                {
                    latinWords++;
                    AddWordEvidence(word[..wordLength], wordEvidence);
                }

                wordLength = 0;
                wordTooLong = false;
            }

            if (c >= '\u0370')
            {
                scripts.Count(c);
            }
        }

        var nonLatin = scripts.Dominant(out var nonLatinLetters);
        if (nonLatin is not null && nonLatinLetters >= MinScriptLetters && nonLatinLetters >= scripts.Latin)
        {
            return nonLatin;
        }

        return scripts.Latin == 0 ? Undetermined : DecideLatin(wordEvidence, letterEvidence, latinWords);
    }

    private static void AddWordEvidence(ReadOnlySpan<char> word, Span<double> evidence)
    {
        if (!Words.TryGetValue(word, out var mask))
        {
            // Elided articles and pronouns: "l'idée", "c'est", "dell'azienda".
            var apostrophe = word.IndexOf('\'');
            if (apostrophe <= 0 || apostrophe > 4 || !Words.TryGetValue(word[..(apostrophe + 1)], out mask))
            {
                return;
            }
        }

        var weight = WeightOfMask[mask];
        for (var language = 0; mask != 0; language++, mask >>= 1)
        {
            if ((mask & 1) != 0)
            {
                evidence[language] += weight;
            }
        }
    }

    private static string DecideLatin(Span<double> wordEvidence, Span<double> letterEvidence, int words)
    {
        int best = -1, second = -1;
        double bestScore = 0, secondScore = 0;
        for (var language = 0; language < Codes.Length; language++)
        {
            // A language with a word list needs some of its words: "ö" alone is German, Hungarian, Swedish or Turkish.
            var letters = language > Dutch ? letterEvidence[language]
                : wordEvidence[language] > 0 ? Math.Min(letterEvidence[language], MaxLetterEvidence) : 0;
            var score = wordEvidence[language] + letters;
            if (score > bestScore)
            {
                (second, secondScore) = (best, bestScore);
                (best, bestScore) = (language, score);
            }
            else if (score > secondScore)
            {
                (second, secondScore) = (language, score);
            }
        }

        var enough = bestScore >= MinEvidence
            && bestScore >= MinLead * secondScore
            && bestScore >= MinEvidencePerWord * words;
        return enough && second != best ? Codes[best] : Undetermined;
    }

    private static bool IsLatinLetter(char c) =>
        c < '\u0080' ? char.IsAsciiLetter(c) : c is (>= '\u00C0' and <= '\u024F' and not '\u00D7' and not '\u00F7') or (>= '\u1E00' and <= '\u1EFF');

    /// <summary>Letters that belong to few languages: ß is German, ñ Spanish, ã Portuguese, ł Polish, ř Czech...</summary>
    private static void AddLetterEvidence(char c, Span<double> evidence)
    {
        switch (char.ToLowerInvariant(c))
        {
            case 'ß': evidence[German] += 1; break;
            case 'ä' or 'ö' or 'ü': evidence[German] += 0.5; break;
            case 'ñ': evidence[Spanish] += 1; break;
            case 'á' or 'í' or 'ú': evidence[Spanish] += 0.25; evidence[Portuguese] += 0.25; break;
            case 'ó': evidence[Spanish] += 0.25; evidence[Portuguese] += 0.25; evidence[Polish] += 0.25; break;
            case 'ã' or 'õ': evidence[Portuguese] += 1; break;
            case 'ç': evidence[French] += 0.5; evidence[Portuguese] += 0.5; break;
            case 'é': evidence[French] += 0.4; evidence[Spanish] += 0.2; evidence[Portuguese] += 0.2; evidence[Italian] += 0.1; break;
            case 'è': evidence[French] += 0.5; evidence[Italian] += 0.5; break;
            case 'à': evidence[French] += 0.4; evidence[Italian] += 0.3; evidence[Portuguese] += 0.3; break;
            case 'ê' or 'â' or 'ô': evidence[French] += 0.5; evidence[Portuguese] += 0.5; break;
            case 'î' or 'ï' or 'û' or 'ë' or 'œ': evidence[French] += 1; break;
            case 'ù': evidence[French] += 0.5; evidence[Italian] += 0.5; break;
            case 'ò' or 'ì': evidence[Italian] += 1; break;
            case 'ĳ': evidence[Dutch] += 1; break;
            case 'ł' or 'ą' or 'ę' or 'ś' or 'ź' or 'ż' or 'ć' or 'ń': evidence[Polish] += 1; break;
            case 'ř' or 'ě' or 'ů': evidence[Czech] += 1; break;
            case 'ğ' or 'ı' or 'ş': evidence[Turkish] += 1; break;
            case 'ș' or 'ț' or 'ă': evidence[Romanian] += 1; break;
            case 'ő' or 'ű': evidence[Hungarian] += 1; break;
            case 'ơ' or 'ư' or 'đ' or (>= '\u1EA0' and <= '\u1EF9'): evidence[Vietnamese] += 1; break;
            default: break;
        }
    }
}
