namespace JamServer.Moderation.Sentiment;

/// <summary>
/// Scores a post's sentiment when it is written. Implementations must be safe to share across threads
/// (the server holds one as a singleton) and must not call outside services.
/// </summary>
public interface ISentimentScorer
{
    SentimentReading Score(string text);
}
