namespace JamServer.Moderation.Sentiment;

public enum SentimentClass
{
    Negative,
    Neutral,
    Positive,
}

/// <summary>
/// A post's sentiment: <paramref name="Language"/> is an ISO 639-1 code, or "und" when undetermined;
/// <paramref name="Score"/> is in [-1, 1], or null when the post is unscored (no lexicon for its language).
/// </summary>
public sealed record SentimentReading(string Language, double? Score)
{
    /// <summary>
    /// A score at or above this is positive, at or below its negation negative, between them neutral.
    /// Twice VADER's ±0.05, so that one mild word (valence under 0.4 of 4) does not take a side (see docs/moderation.md).
    /// </summary>
    public const double ClassThreshold = 0.10;

    public SentimentClass? Class => Score switch
    {
        null => null,
        >= ClassThreshold => SentimentClass.Positive,
        <= -ClassThreshold => SentimentClass.Negative,
        _ => SentimentClass.Neutral,
    };

    public static SentimentReading Unscored(string language) => new(language, null);
}
