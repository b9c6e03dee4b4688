namespace JamServer.Moderation;

/// <summary>
/// A term that rises in a window: <paramref name="Volume"/> posts of the window contain it, with a mean score of
/// <paramref name="Sentiment"/> over those of them that are scored (null when none is); <paramref name="BaselineVolume"/>
/// of the jam's posts before the window contain it; <paramref name="Lift"/> is how far the window's volume exceeds the
/// volume the baseline's share predicts (formula in <see cref="ThemeIndex"/>).
/// </summary>
public sealed record Theme(string Term, int Volume, double? Sentiment, double Lift, int BaselineVolume);
