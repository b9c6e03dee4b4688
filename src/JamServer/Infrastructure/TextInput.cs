using System.Text;

namespace JamServer.Infrastructure;

/// <summary>
/// The checks every piece of client text passes before anything keeps it: free text (bodies, titles, names, reasons)
/// is cleaned, identifiers (room, post, proposal and client ids) are only checked. Text that is not valid Unicode (a
/// lone surrogate) is refused either way: PostgreSQL could not store it, and no client means it.
/// </summary>
public static class TextInput
{
    /// <summary>
    /// Control characters other than newline and tab removed, then NFC (in that order, so that a mark a removed control
    /// character kept apart still composes). Not trimmed: callers trim and count.
    /// </summary>
    public static string Clean(string text)
    {
        RequireWellFormed(text);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsControl(c) || c is '\n' or '\t')
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>An id a client sends, trimmed; null when it is missing, too long, or holds a control character or a lone surrogate.</summary>
    public static string? Identifier(string? value, int maxLength)
    {
        var text = value?.Trim();
        return string.IsNullOrEmpty(text) || text.Length > maxLength || text.Any(char.IsControl) || !IsWellFormed(text) ? null : text;
    }

    public static void RequireWellFormed(string text)
    {
        if (!IsWellFormed(text))
        {
            throw JamException.InvalidInput("The text is not valid Unicode (it has an unpaired surrogate).");
        }
    }

    /// <summary>Every surrogate is half of a pair.</summary>
    /// <summary>The text cut to at most <paramref name="maxLength"/> UTF-16 units, never between a surrogate pair.</summary>
    public static string Truncate(string text, int maxLength) =>
        text.Length <= maxLength ? text
        : char.IsHighSurrogate(text[maxLength - 1]) ? text[..(maxLength - 1)]
        : text[..maxLength];

    public static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
