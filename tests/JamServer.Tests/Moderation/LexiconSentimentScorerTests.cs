using JamServer.Moderation.Sentiment;

namespace JamServer.Tests.Moderation;

public sealed class LexiconSentimentScorerTests
{
    private static readonly LexiconSentimentScorer Scorer = new();

    private static double English(string text) => Scorer.ScoreEnglish(text);

    [Fact]
    public void A_positive_post_is_scored_positive_in_english()
    {
        var reading = Scorer.Score("This is a great idea and the customers will love it.");

        Assert.Equal("en", reading.Language);
        Assert.InRange(reading.Score!.Value, 0.5, 1);
        Assert.Equal(SentimentClass.Positive, reading.Class);
    }

    [Fact]
    public void A_negative_post_is_scored_negative() =>
        Assert.Equal(SentimentClass.Negative, Scorer.Score("This plan is a waste of money and a terrible idea.").Class);

    [Fact]
    public void A_factual_post_is_neutral() =>
        Assert.Equal(SentimentClass.Neutral, Scorer.Score("The pilot starts in the Lyon plant in March.").Class);

    [Theory]
    [InlineData("The idea is good.", "The idea is not good.")]
    [InlineData("The plan is bad.", "The plan is not bad.")]
    [InlineData("It will help the plants.", "It won't help the plants.")]
    [InlineData("The results were useful.", "The results were never useful.")]
    [InlineData("The process is useful.", "The process is hardly useful.")]
    public void A_negation_flips_the_sign_and_weakens_it(string plain, string negated)
    {
        Assert.Equal(Math.Sign(English(plain)), -Math.Sign(English(negated)));
        Assert.True(Math.Abs(English(negated)) < Math.Abs(English(plain)));
    }

    [Fact]
    public void A_negation_reaches_three_words_but_not_past_a_comma()
    {
        Assert.True(English("This is not a very good plan") < 0);
        Assert.True(English("This is not my plan, but it is good") > 0);
    }

    [Fact]
    public void A_negated_opinion_verb_negates_the_rest_of_its_clause() =>
        Assert.True(English("I don't think this proposal will be successful") < 0);

    [Fact]
    public void Less_and_fewer_turn_a_problem_into_a_gain()
    {
        Assert.True(English("less bureaucracy for the plants") > 0);
        Assert.True(English("This will reduce waste in the warehouse") > 0);
    }

    [Theory]
    [InlineData("The idea is good.", "The idea is very good.")]
    [InlineData("The idea is good.", "The idea is extremely good.")]
    [InlineData("The idea is bad.", "The idea is really bad.")]
    public void An_intensifier_raises_the_magnitude(string plain, string intensified) =>
        Assert.True(Math.Abs(English(intensified)) > Math.Abs(English(plain)));

    [Theory]
    [InlineData("The idea is good.", "The idea is slightly good.")]
    [InlineData("The demo was helpful.", "The demo was kind of helpful.")]
    public void A_dampener_lowers_the_magnitude_without_flipping_the_sign(string plain, string dampened)
    {
        Assert.True(English(dampened) < English(plain));
        Assert.True(English(dampened) > 0);
    }

    [Fact]
    public void The_clause_after_but_weighs_more_than_the_one_before()
    {
        Assert.True(English("The idea is good, but the cost is terrible.") < 0);
        Assert.True(English("The cost is terrible, but the idea is good.") > 0);
        Assert.True(English("The slides were nice, but the plan is bad") < English("The plan is bad"));
    }

    [Fact]
    public void A_word_in_capitals_in_a_text_not_all_in_capitals_weighs_more()
    {
        Assert.True(English("This is a GREAT idea") > English("This is a great idea"));
        Assert.True(English("THIS IS A GREAT IDEA") == English("this is a great idea"));
    }

    [Fact]
    public void Exclamation_marks_add_emphasis_up_to_four()
    {
        Assert.True(English("Great idea!") > English("Great idea"));
        Assert.True(English("Great idea!!!") > English("Great idea!"));
        Assert.Equal(English("Great idea!!!!"), English("Great idea!!!!!!!!"));
        Assert.True(English("Terrible idea!!!") < English("Terrible idea"));
    }

    [Theory]
    [InlineData("Count me in 👍", SentimentClass.Positive)]
    [InlineData("Another reorganisation 👎", SentimentClass.Negative)]
    [InlineData("The new portal 😡", SentimentClass.Negative)]
    [InlineData("We shipped it 🎉", SentimentClass.Positive)]
    [InlineData("The new portal :(", SentimentClass.Negative)]
    [InlineData("The new portal :-)", SentimentClass.Positive)]
    public void Emoji_and_emoticons_carry_sentiment(string text, SentimentClass expected) =>
        Assert.Equal(expected, Scorer.Score(text).Class);

    [Fact]
    public void A_url_is_not_read_as_an_emoticon() =>
        Assert.Equal(0, English("The notes are at http://intranet/jam"));

    [Fact]
    public void A_post_of_emoji_alone_is_scored_with_an_undetermined_language()
    {
        var reading = Scorer.Score("👍👍");

        Assert.Equal(LanguageDetector.Undetermined, reading.Language);
        Assert.Equal(SentimentClass.Positive, reading.Class);
    }

    [Theory]
    [InlineData("de", "Ich finde die Idee wirklich schlecht und viel zu teuer.")]
    [InlineData("fr", "Je pense que cette idée est excellente pour nos clients.")]
    [InlineData("es", "Creo que esta propuesta es muy buena para los clientes.")]
    [InlineData("ja", "このアイデアはとても良いと思います。")]
    public void A_post_in_a_language_without_a_lexicon_is_unscored_with_its_language(string language, string text)
    {
        var reading = Scorer.Score(text);

        Assert.Equal(language, reading.Language);
        Assert.Null(reading.Score);
        Assert.Null(reading.Class);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("asdkjh qwpoe zzxmn")]
    public void Empty_whitespace_or_gibberish_text_is_unscored_and_undetermined(string text) =>
        Assert.Equal(SentimentReading.Unscored(LanguageDetector.Undetermined), Scorer.Score(text));

    [Fact]
    public void The_score_stays_within_minus_one_and_one_however_strong_the_text()
    {
        var praise = string.Concat(Enumerable.Repeat("ABSOLUTELY AMAZING, truly wonderful and brilliant!!! 😍🎉 ", 40));
        var anger = string.Concat(Enumerable.Repeat("This is the WORST, most horrible disaster ever!!! 😡👎 ", 40));

        Assert.InRange(English(praise), 0.99, 1);
        Assert.InRange(English(anger), -1, -0.99);
    }

    [Fact]
    public void A_body_of_5000_characters_is_scored()
    {
        var sentence = "The pilot in the Lyon plant went well, but the cost estimate still looks too optimistic to me. ";
        var body = string.Concat(Enumerable.Repeat(sentence, 60))[..5000];

        var reading = Scorer.Score(body);

        Assert.Equal("en", reading.Language);
        Assert.InRange(reading.Score!.Value, -1, 1);
    }

    [Fact]
    public void Curly_apostrophes_read_like_straight_ones() =>
        Assert.Equal(English("It doesn't help"), English("It doesn\u2019t help"));

    [Fact]
    public void Phrases_of_several_words_are_scored_as_a_whole()
    {
        Assert.True(English("more red tape for the plants") < 0);
        Assert.True(English("This could be a game changer for the field teams") > 0);
        Assert.True(English("It is a win-win for partners") > 0);
        Assert.Equal(0, English("Please call customer support"));
    }

    [Fact]
    public void Like_is_an_opinion_only_after_a_subject()
    {
        Assert.True(English("I like the new portal") > 0);
        Assert.Equal(0, English("What would the new portal look like"));
        Assert.Equal(0, English("I would like to see the numbers"));
    }

    [Fact]
    public void The_scorer_is_safe_to_share_across_threads()
    {
        var texts = new[] { "Great idea!", "This is a waste of money.", "When does voting start?", "Not bad at all 👍" };
        var expected = texts.Select(Scorer.Score).ToArray();

        Parallel.For(0, 2000, i => Assert.Equal(expected[i % texts.Length], Scorer.Score(texts[i % texts.Length])));
    }
}
