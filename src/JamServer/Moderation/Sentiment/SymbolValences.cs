using System.Collections.Frozen;

namespace JamServer.Moderation.Sentiment;

/// <summary>Valences of emoji and of text emoticons, on the lexicon's -4..+4 scale.</summary>
internal static class SymbolValences
{
    public static readonly FrozenDictionary<int, double> Emoji = new Dictionary<int, double>
    {
        [0x1F600] = 2.0, [0x1F603] = 2.0, [0x1F604] = 2.2, [0x1F601] = 2.0, [0x1F606] = 1.8, [0x1F605] = 0.6,
        [0x1F923] = 1.6, [0x1F602] = 1.4, [0x1F642] = 1.2, [0x1F60A] = 2.1, [0x1F607] = 1.6, [0x1F970] = 2.6,
        [0x1F60D] = 2.7, [0x1F929] = 2.6, [0x1F618] = 2.0, [0x263A] = 1.8, [0x1F609] = 1.0, [0x1F60E] = 1.6,
        [0x1F917] = 1.8, [0x1F60C] = 1.2, [0x1F60B] = 1.6, [0x1F972] = 0.3,
        [0x1F610] = -0.3, [0x1F611] = -0.5, [0x1F644] = -1.5, [0x1F60F] = -0.3, [0x1F612] = -1.7, [0x1F61E] = -1.9,
        [0x1F614] = -1.6, [0x1F61F] = -1.5, [0x1F615] = -1.2, [0x1F641] = -1.5, [0x2639] = -1.8, [0x1F623] = -1.6,
        [0x1F616] = -1.9, [0x1F62B] = -1.9, [0x1F629] = -1.9, [0x1F622] = -2.0, [0x1F62D] = -2.2, [0x1F624] = -1.7,
        [0x1F620] = -2.3, [0x1F621] = -2.6, [0x1F92C] = -2.8, [0x1F92F] = -0.8, [0x1F631] = -1.6, [0x1F628] = -1.6,
        [0x1F630] = -1.6, [0x1F613] = -1.2, [0x1F92E] = -2.4, [0x1F922] = -2.0, [0x1F634] = -0.8, [0x1F971] = -1.0,
        [0x1F4A9] = -2.0, [0x1F62C] = -0.8, [0x1F926] = -1.6, [0x1F937] = -0.2,
        [0x1F44D] = 1.8, [0x1F44E] = -1.8, [0x1F44F] = 2.0, [0x1F64C] = 2.0, [0x1F64F] = 1.2, [0x1F4AA] = 1.6,
        [0x1F44C] = 1.6, [0x270C] = 1.0, [0x1F91D] = 1.4, [0x2764] = 2.4, [0x2665] = 2.0, [0x1F496] = 2.4,
        [0x1F495] = 2.2, [0x1F49A] = 2.0, [0x1F499] = 2.0, [0x1F4AF] = 2.0, [0x1F389] = 2.3, [0x1F38A] = 2.0,
        [0x1F973] = 2.4, [0x1F680] = 1.6, [0x2B50] = 1.4, [0x1F31F] = 1.8, [0x2728] = 1.2, [0x1F525] = 1.0,
        [0x2705] = 1.2, [0x274C] = -1.2, [0x1F494] = -2.0, [0x26A0] = -0.6, [0x1F4A1] = 0.8, [0x1F3C6] = 1.8,
        [0x1F947] = 1.8, [0x1F331] = 0.6,
    }.ToFrozenDictionary();

    /// <summary>Longest first, so ":-)" is not read as ":-" and ")".</summary>
    public static readonly (string Text, double Valence)[] Emoticons =
    [
        (">:(", -2.3), (":'(", -2.0), (":-)", 1.6), (":-(", -1.8), (":-D", 2.0), (";-)", 1.0), (":-/", -1.0),
        ("</3", -2.0), ("^_^", 1.8), (":)", 1.6), (":(", -1.8), (":D", 2.0), (":]", 1.4), (":[", -1.4), ("=)", 1.4),
        ("=(", -1.4), (";)", 1.0), (":/", -1.0), (":|", -0.4), (":P", 0.8), (":p", 0.8), ("<3", 2.3), ("^^", 1.5),
    ];

    /// <summary>Characters that may start an emoticon.</summary>
    public const string EmoticonStarts = ":;=<>^";

    public static bool IsEmoji(int rune) =>
        rune is (>= 0x1F000 and <= 0x1FAFF) or (>= 0x2600 and <= 0x27BF) or (>= 0x2B00 and <= 0x2BFF) or (>= 0x2300 and <= 0x23FF);

    /// <summary>Parts of an emoji sequence that carry no meaning of their own: variation selectors, joiners, skin tones.</summary>
    public static bool IsEmojiModifier(int rune) => rune is 0xFE0F or 0xFE0E or 0x200D or (>= 0x1F3FB and <= 0x1F3FF);
}
