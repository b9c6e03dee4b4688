using System.Text;

namespace JamServer.Moderation.Sentiment;

internal enum TokenKind : byte
{
    Word,
    Symbol,
    ClauseBreak,
}

/// <summary>A word, an emoji or emoticon (with its valence), or punctuation that ends a clause.</summary>
internal readonly record struct Token(int Start, int Length, TokenKind Kind, double SymbolValence = 0);

/// <summary>Splits a post into tokens in one pass, without allocating (the caller lends the buffer).</summary>
internal static class SentimentTokens
{
    public readonly record struct Summary(int Count, int Exclamations, int Questions, bool HasLowercase, bool HasCapsWord, bool HasLetters);

    public static Summary Split(ReadOnlySpan<char> text, Span<Token> tokens)
    {
        int count = 0, exclamations = 0, questions = 0;
        bool hasLowercase = false, hasCapsWord = false, hasLetters = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c) || (c == '+' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]) && (i == 0 || !char.IsLetterOrDigit(text[i - 1]))))
            {
                var start = i++;
                int letters = 0, upper = 0;
                while (true)
                {
                    if (char.IsLetter(c))
                    {
                        letters++;
                        upper += char.IsUpper(c) ? 1 : 0;
                        hasLowercase |= char.IsLower(c);
                    }

                    if (i >= text.Length)
                    {
                        break;
                    }

                    c = text[i];
                    var innerApostrophe = c == '\'' && i + 1 < text.Length && char.IsLetter(text[i + 1]);
                    if (!char.IsLetterOrDigit(c) && !innerApostrophe)
                    {
                        break;
                    }

                    i++;
                }

                hasLetters |= letters > 0;
                hasCapsWord |= letters >= 2 && upper == letters;
                tokens[count++] = new Token(start, i - start, TokenKind.Word);
                continue;
            }

            if (SymbolValences.EmoticonStarts.Contains(c) && TryEmoticon(text, i, out var length, out var valence))
            {
                tokens[count++] = new Token(i, length, TokenKind.Symbol, valence);
                i += length;
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var runeLength) == System.Buffers.OperationStatus.Done
                && SymbolValences.IsEmoji(rune.Value) && !SymbolValences.IsEmojiModifier(rune.Value))
            {
                tokens[count++] = new Token(i, runeLength, TokenKind.Symbol, SymbolValences.Emoji.GetValueOrDefault(rune.Value));
                i += runeLength;
                continue;
            }

            exclamations += c == '!' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
            if (c is '.' or ',' or ';' or ':' or '!' or '?' or '(' or ')' or '\u2013' or '\u2014' or '\n'
                && (count == 0 || tokens[count - 1].Kind != TokenKind.ClauseBreak))
            {
                tokens[count++] = new Token(i, 1, TokenKind.ClauseBreak);
            }

            i += char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
        }

        return new Summary(count, exclamations, questions, hasLowercase, hasCapsWord, hasLetters);
    }

    /// <summary>An emoticon stands apart: after a space or the start, before a space, punctuation or the end (not "http://").</summary>
    private static bool TryEmoticon(ReadOnlySpan<char> text, int at, out int length, out double valence)
    {
        (length, valence) = (0, 0);
        if (at > 0 && !char.IsWhiteSpace(text[at - 1]))
        {
            return false;
        }

        foreach (var (emoticon, value) in SymbolValences.Emoticons)
        {
            if (!text[at..].StartsWith(emoticon, StringComparison.Ordinal))
            {
                continue;
            }

            var end = at + emoticon.Length;
            while (end < text.Length && text[end] == emoticon[^1])
            {
                end++;
            }

            if (end == text.Length || char.IsWhiteSpace(text[end]) || text[end] is '.' or ',' or '!' or '?' or ';')
            {
                (length, valence) = (end - at, value);
                return true;
            }
        }

        return false;
    }

    public static bool IsAllCaps(ReadOnlySpan<char> word)
    {
        var letters = 0;
        foreach (var c in word)
        {
            if (char.IsLower(c))
            {
                return false;
            }

            letters += char.IsLetter(c) ? 1 : 0;
        }

        return letters >= 2;
    }
}
