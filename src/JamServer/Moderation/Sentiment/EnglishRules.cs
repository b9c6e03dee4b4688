namespace JamServer.Moderation.Sentiment;

/// <summary>
/// The rules that modify lexicon valences in English. The constants are VADER's (Hutto and Gilbert, 2014),
/// derived there from human ratings; the word lists are ours. docs/moderation.md explains each rule.
/// </summary>
internal static class EnglishRules
{
    /// <summary>How far back (in words, within a clause) a negation, intensifier or remedy reaches.</summary>
    public const int LookBack = 3;

    /// <summary>An intensifier adds this to a valence's magnitude (a dampener takes it away), less with distance.</summary>
    public const double BoosterStep = 0.293;

    /// <summary>A word in ALL CAPS in a text that is not all caps gains this magnitude.</summary>
    public const double CapsEmphasis = 0.733;

    /// <summary>A negated valence is multiplied by this: it flips and weakens ("not good" is less bad than "bad").</summary>
    public const double NegationScalar = -0.74;

    /// <summary>A negative word after a remedy ("reduce waste", "fewer defects", "cut red tape") is multiplied by this.</summary>
    public const double RemedyScalar = -0.5;

    /// <summary>Before "but" a clause weighs half, after it one and a half.</summary>
    public const double BeforeContrast = 0.5, AfterContrast = 1.5;

    public const double ExclamationStep = 0.292;
    public const int MaxExclamations = 4;
    public const double QuestionStep = 0.18, MaxQuestionEmphasis = 0.96;

    /// <summary>The sum s of valences becomes s / sqrt(s² + alpha), in (-1, 1).</summary>
    public const double NormalisationAlpha = 15;

    public static ReadOnlySpan<double> LookBackDecay => [0, 1.0, 0.95, 0.9];

    public static readonly string[] Negators =
    [
        "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "without", "cannot",
        "hardly", "barely", "scarcely", "rarely", "seldom", "less", "fewer", "lack", "lacks", "lacking",
        "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "wouldn't", "can't", "couldn't",
        "shouldn't", "haven't", "hasn't", "hadn't", "mustn't", "needn't", "ain't", "shan't", "mightn't",
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "cant", "couldnt", "shouldnt",
        "havent", "hasnt", "aint",
    ];

    private const double Up = BoosterStep, Down = -BoosterStep;

    public static readonly (string Term, double Boost)[] Boosters =
    [
        ("absolutely", Up), ("amazingly", Up), ("awfully", Up), ("completely", Up), ("considerably", Up), ("deeply", Up),
        ("enormously", Up), ("entirely", Up), ("especially", Up), ("exceptionally", Up), ("extremely", Up), ("fully", Up),
        ("greatly", Up), ("highly", Up), ("hugely", Up), ("incredibly", Up), ("insanely", Up), ("intensely", Up),
        ("massively", Up), ("more", Up), ("most", Up), ("much", Up), ("far", Up), ("particularly", Up), ("quite", Up),
        ("really", Up), ("remarkably", Up), ("so", Up), ("substantially", Up), ("super", Up), ("terribly", Up),
        ("thoroughly", Up), ("too", Up), ("totally", Up), ("tremendously", Up), ("truly", Up), ("genuinely", Up),
        ("unbelievably", Up), ("utterly", Up), ("very", Up), ("way", Up), ("wildly", Up), ("even", Up), ("pretty", Up),
        ("seriously", Up), ("strongly", Up), ("such", Up), ("real", Up),
        ("almost", Down), ("kind of", Down), ("kinda", Down), ("sort of", Down), ("sorta", Down), ("slightly", Down),
        ("somewhat", Down), ("a bit", Down), ("a little", Down), ("a little bit", Down), ("marginally", Down),
        ("partly", Down), ("partially", Down), ("mildly", Down), ("fairly", Down), ("rather", Down), ("relatively", Down),
        ("reasonably", Down), ("moderately", Down), ("a tad", Down), ("occasionally", Down),
    ];

    /// <summary>Phrases that would otherwise read as a negation or a contrast.</summary>
    public static readonly string[] Neutralisers = ["not only", "but also", "no matter", "not just", "nothing but", "nothing else"];

    public static readonly string[] ContrastWords = ["but", "however"];

    /// <summary>"I don't think this will scale": a negated opinion verb negates the rest of its clause.</summary>
    public static readonly string[] OpinionVerbs =
    [
        "think", "believe", "expect", "see", "feel", "imagine", "suppose", "guess", "reckon", "find", "trust",
    ];

    public static readonly string[] Remedies =
    [
        "reduce", "reduces", "reduced", "reducing", "cut", "cuts", "cutting", "eliminate", "eliminates", "eliminating",
        "fix", "fixes", "fixed", "fixing", "solve", "solves", "solved", "solving", "tackle", "tackles", "tackling",
        "avoid", "avoids", "avoiding", "prevent", "prevents", "preventing", "remove", "removes", "removing",
        "end", "ends", "ending", "stop", "stops", "stopping", "lower", "lowers", "lowering", "minimise", "minimize",
        "minimises", "minimizes", "address", "addresses", "fight", "fights", "beat", "overcome", "overcomes",
        "resolve", "resolves", "resolving",
    ];

    /// <summary>"like" is an opinion only after one of these ("I like it"), not in "would like" or "looks like".</summary>
    public static readonly string[] LikeSubjects =
    [
        "i", "we", "you", "they", "really", "also", "truly", "genuinely", "definitely", "totally", "personally",
        "everyone", "everybody", "people", "customers", "all", "still", "do", "does", "did", "just", "quite", "actually",
    ];
}
