using System.Collections.Frozen;

namespace JamServer.Moderation;

/// <summary>
/// A light folding of English plurals onto the singular, so that "pilot" and "pilots" are one term. Rule based, not
/// a stemmer: words ending in -ss, -us, -is are left alone (process, status, analysis), -sses/-xes/-ches/-shes/-zzes
/// lose "es", -ies becomes -y, any other final s goes; the lists below catch the common words those rules get wrong.
/// </summary>
internal static class EnglishPlurals
{
    private static readonly FrozenSet<string> Unchanged = """
        news series species means bias alias canvas atlas lens chaos ethos kudos corps diabetes measles headquarters crossroads
        analytics logistics economics ethics physics politics robotics statistics mathematics genomics electronics
        ergonomics mechanics dynamics linguistics athletics aerobics optics semantics semiotics
        devops mlops finops kubernetes texas wales netherlands philippines
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> Irregular = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["analyses"] = "analysis",
        ["crises"] = "crisis",
        ["theses"] = "thesis",
        ["hypotheses"] = "hypothesis",
        ["diagnoses"] = "diagnosis",
        ["statuses"] = "status",
        ["campuses"] = "campus",
        ["viruses"] = "virus",
        ["bonuses"] = "bonus",
        ["buses"] = "bus",
        ["focuses"] = "focus",
        ["censuses"] = "census",
        ["niches"] = "niche",
        ["caches"] = "cache",
        ["headaches"] = "headache",
        ["cliches"] = "cliche",
        ["movies"] = "movie",
        ["cookies"] = "cookie",
        ["rookies"] = "rookie",
        ["selfies"] = "selfie",
        ["zombies"] = "zombie",
        ["calories"] = "calorie",
        ["freebies"] = "freebie",
        ["heroes"] = "hero",
        ["potatoes"] = "potato",
        ["tomatoes"] = "tomato",
        ["echoes"] = "echo",
        ["lives"] = "life",
        ["wives"] = "wife",
        ["knives"] = "knife",
        ["halves"] = "half",
        ["shelves"] = "shelf",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> UnchangedLookup =
        Unchanged.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> IrregularLookup =
        Irregular.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The singular of a lowercase word: a slice of it, or (for the irregular ones) another word.</summary>
    public static ReadOnlySpan<char> Fold(ReadOnlySpan<char> word)
    {
        if (word.Length < 4 || word[^1] != 's' || UnchangedLookup.Contains(word))
        {
            return word;
        }

        if (IrregularLookup.TryGetValue(word, out var singular))
        {
            return singular;
        }

        if (word.EndsWith("ss") || word.EndsWith("us") || word.EndsWith("is"))
        {
            return word;
        }

        if (word.EndsWith("ies"))
        {
            // "ties", "lies": too short for -y.
            return word.Length > 4 ? string.Concat(word[..^3], "y") : word[..^1];
        }

        if (word.EndsWith("sses") || word.EndsWith("xes") || word.EndsWith("ches") || word.EndsWith("shes") || word.EndsWith("zzes"))
        {
            return word[..^2];
        }

        return word[..^1];
    }
}
