namespace JamServer.Moderation.Sentiment;

/// <summary>What one word (or phrase) does in a sentence. Built once when the lexicon loads, then only read.</summary>
internal sealed class LexiconEntry
{
    public double Valence { get; set; }

    /// <summary>Positive for an intensifier ("very"), negative for a dampener ("slightly").</summary>
    public double Boost { get; set; }

    public bool Negates { get; set; }

    public bool Contrast { get; set; }

    public bool OpinionVerb { get; set; }

    public bool Remedy { get; set; }

    public bool LikeSubject { get; set; }

    /// <summary>The valence holds only where the word stands alone ("No." but not "no budget"; "Absolutely!" but not "absolutely worth it").</summary>
    public bool ValenceOnlyAlone { get; set; }

    /// <summary>The valence holds only after a subject ("I like it", not "looks like").</summary>
    public bool ValenceNeedsSubject { get; set; }

    /// <summary>Phrases starting with this word, longest first.</summary>
    public Phrase[]? Phrases { get; set; }
}

internal sealed record Phrase(string[] Words, LexiconEntry Entry);
