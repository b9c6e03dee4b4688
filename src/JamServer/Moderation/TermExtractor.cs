using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;

namespace JamServer.Moderation;

/// <summary>
/// The terms of a post for <see cref="ThemeIndex"/>: its words and two-word phrases, English only (the scored
/// language; posts in other languages give no terms, so themes come from English posts). Tokens are runs of
/// letters, digits, apostrophes and hyphens, lowercased and trimmed of outer apostrophes and hyphens, with a
/// possessive 's dropped. A token is dropped when it is a stop word (<see cref="EnglishStopWords"/>), has no
/// letter (numbers), is shorter than 3 characters (except a few acronyms such as "ai", "hr", "ux", "5g") or longer
/// than 40, and links are skipped. Plurals fold onto the singular (<see cref="EnglishPlurals"/>). A phrase is two kept
/// tokens next to each other, joined by a space; a dropped token or punctuation between them breaks it.
/// Each term is listed once, in order of first appearance. Stateless and thread-safe.
/// </summary>
public static class TermExtractor
{
    public const string ScoredLanguage = "en";

    private const int MinLength = 3;
    private const int MaxLength = 40;

    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n\u00a0");

    private static readonly FrozenSet<string> ShortTerms =
        FrozenSet.ToFrozenSet(["ai", "ar", "vr", "xr", "hr", "ux", "ui", "ml", "3d", "5g", "ev", "qa"], StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> StopWords =
        EnglishStopWords.Words.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ShortTermLookup =
        ShortTerms.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Whether posts in this language (e.g. "en", "en-GB") give terms.</summary>
    public static bool Supports(string? language) =>
        language is not null
        && (language.Equals(ScoredLanguage, StringComparison.OrdinalIgnoreCase)
            || (language.Length > 2 && language.StartsWith(ScoredLanguage, StringComparison.OrdinalIgnoreCase) && language[2] is '-' or '_'));

    public static IReadOnlyList<string> Terms(string text, string language)
    {
        if (string.IsNullOrEmpty(text) || !Supports(language))
        {
            return [];
        }

        var terms = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        Span<char> buffer = stackalloc char[MaxLength];
        string? previous = null;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (!IsTokenChar(c))
            {
                if (!char.IsWhiteSpace(c))
                {
                    previous = null;
                }

                i++;
                continue;
            }

            if ((i == 0 || char.IsWhiteSpace(text[i - 1])) && LinkLength(text.AsSpan(i)) is > 0 and var link)
            {
                previous = null;
                i += link;
                continue;
            }

            var start = i;
            while (i < text.Length && IsTokenChar(text[i]))
            {
                i++;
            }

            var word = Keep(text.AsSpan(start, i - start), buffer);
            if (word is null)
            {
                previous = null;
                continue;
            }

            if (listed.Add(word))
            {
                terms.Add(word);
            }

            if (previous is not null)
            {
                var phrase = string.Concat(previous, " ", word);
                if (listed.Add(phrase))
                {
                    terms.Add(phrase);
                }
            }

            previous = word;
        }

        return terms;
    }

    /// <summary>The token as a term, or null when it is dropped.</summary>
    private static string? Keep(ReadOnlySpan<char> token, Span<char> buffer)
    {
        if (token.Length > MaxLength)
        {
            return null;
        }

        var lower = buffer[..token.Length];
        token.ToLowerInvariant(lower);
        lower.Replace('\u2019', '\'');
        ReadOnlySpan<char> word = lower.Trim("'-");
        if (StopWords.Contains(word))
        {
            return null;
        }

        if (word.EndsWith("'s"))
        {
            word = word[..^2];
        }

        if (!HasLetter(word) || (word.Length < MinLength && !ShortTermLookup.Contains(word)) || StopWords.Contains(word))
        {
            return null;
        }

        word = EnglishPlurals.Fold(word);
        return StopWords.Contains(word) ? null : word.ToString();
    }

    /// <summary>The length of the link (a word holding "://" or starting "www.") the text starts with, else 0.</summary>
    private static int LinkLength(ReadOnlySpan<char> text)
    {
        var end = text.IndexOfAny(Whitespace);
        var word = end < 0 ? text : text[..end];
        return word.Contains("://", StringComparison.Ordinal) || word.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? word.Length : 0;
    }

    private static bool IsTokenChar(char c) =>
        char.IsLetterOrDigit(c) || c is '\'' or '\u2019' or '-'
        || char.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark;

    private static bool HasLetter(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
        {
            if (char.IsLetter(c))
            {
                return true;
            }
        }

        return false;
    }
}
