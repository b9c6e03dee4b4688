namespace JamServer.Moderation;

/// <summary>
/// The sentiment of one room (or of the whole jam) over [Start, Start + Size). <paramref name="Volume"/> counts the
/// scored posts, which alone make <paramref name="Mean"/> (null when there are none) and
/// <paramref name="ShareNegative"/> (0 when there are none); the unscored posts count in <paramref name="Unscored"/>.
/// </summary>
public sealed record SentimentBucket(DateTimeOffset Start, TimeSpan Size, int Volume, double? Mean, double ShareNegative, int Unscored);
