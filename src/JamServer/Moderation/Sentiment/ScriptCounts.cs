namespace JamServer.Moderation.Sentiment;

/// <summary>
/// Letters counted by Unicode script. A script names one language, with these documented choices: Cyrillic is "ru"
/// unless it has Ukrainian (і ї є ґ) or Serbian (ђ ј љ њ ћ џ) letters; Arabic script is "ar" unless it has Persian
/// (پ چ ژ گ) or Urdu (ٹ ڈ ڑ ں ے) letters; Devanagari is "hi"; Han without kana is "zh", with kana "ja".
/// </summary>
internal struct ScriptCounts
{
    public int Latin;
    private int _greek, _cyrillic, _ukrainian, _serbian, _armenian, _hebrew, _arabic, _persian, _urdu;
    private int _devanagari, _bengali, _gurmukhi, _gujarati, _tamil, _telugu, _kannada, _malayalam, _thai, _georgian;
    private int _hangul, _kana, _han;

    public void Count(char c)
    {
        switch (c)
        {
            case >= '\u0370' and <= '\u03FF' or >= '\u1F00' and <= '\u1FFF': _greek++; break;
            case 'і' or 'ї' or 'є' or 'ґ' or 'І' or 'Ї' or 'Є' or 'Ґ': _cyrillic++; _ukrainian++; break;
            case 'ђ' or 'ј' or 'љ' or 'њ' or 'ћ' or 'џ' or 'Ђ' or 'Ј' or 'Љ' or 'Њ' or 'Ћ' or 'Џ': _cyrillic++; _serbian++; break;
            case >= '\u0400' and <= '\u052F': _cyrillic++; break;
            case >= '\u0531' and <= '\u058F': _armenian++; break;
            case >= '\u05D0' and <= '\u05EA': _hebrew++; break;
            case 'پ' or 'چ' or 'ژ' or 'گ': _arabic++; _persian++; break;
            case 'ٹ' or 'ڈ' or 'ڑ' or 'ں' or 'ے': _arabic++; _urdu++; break;
            case >= '\u0620' and <= '\u064A' or >= '\u066E' and <= '\u06FF' or >= '\u0750' and <= '\u077F': _arabic++; break;
            case >= '\u0900' and <= '\u097F': _devanagari++; break;
            case >= '\u0980' and <= '\u09FF': _bengali++; break;
            case >= '\u0A00' and <= '\u0A7F': _gurmukhi++; break;
            case >= '\u0A80' and <= '\u0AFF': _gujarati++; break;
            case >= '\u0B80' and <= '\u0BFF': _tamil++; break;
            case >= '\u0C00' and <= '\u0C7F': _telugu++; break;
            case >= '\u0C80' and <= '\u0CFF': _kannada++; break;
            case >= '\u0D00' and <= '\u0D7F': _malayalam++; break;
            case >= '\u0E01' and <= '\u0E5B': _thai++; break;
            case >= '\u10A0' and <= '\u10FF': _georgian++; break;
            case >= '\u1100' and <= '\u11FF' or >= '\u3130' and <= '\u318F' or >= '\uAC00' and <= '\uD7AF': _hangul++; break;
            case >= '\u3041' and <= '\u30FF' and not '\u30FB' and not '\u30FC' or >= '\u31F0' and <= '\u31FF' or >= '\uFF66' and <= '\uFF9D': _kana++; break;
            case >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or >= '\uF900' and <= '\uFAFF': _han++; break;
            default: break;
        }
    }

    /// <summary>The language of the non-Latin script with the most letters, or null when there is none.</summary>
    public readonly string? Dominant(out int letters)
    {
        string? language = null;
        letters = 0;
        Consider(_greek, "el", ref language, ref letters);
        Consider(_cyrillic, _ukrainian > 0 ? "uk" : _serbian > 0 ? "sr" : "ru", ref language, ref letters);
        Consider(_armenian, "hy", ref language, ref letters);
        Consider(_hebrew, "he", ref language, ref letters);
        Consider(_arabic, _urdu > 0 ? "ur" : _persian > 0 ? "fa" : "ar", ref language, ref letters);
        Consider(_devanagari, "hi", ref language, ref letters);
        Consider(_bengali, "bn", ref language, ref letters);
        Consider(_gurmukhi, "pa", ref language, ref letters);
        Consider(_gujarati, "gu", ref language, ref letters);
        Consider(_tamil, "ta", ref language, ref letters);
        Consider(_telugu, "te", ref language, ref letters);
        Consider(_kannada, "kn", ref language, ref letters);
        Consider(_malayalam, "ml", ref language, ref letters);
        Consider(_thai, "th", ref language, ref letters);
        Consider(_georgian, "ka", ref language, ref letters);
        Consider(_hangul, "ko", ref language, ref letters);
        Consider(_kana + _han, _kana > 0 ? "ja" : "zh", ref language, ref letters);
        return language;
    }

    private static void Consider(int count, string code, ref string? language, ref int letters)
    {
        if (count > letters)
        {
            (language, letters) = (code, count);
        }
    }
}
