using JamServer.Moderation.Sentiment;
using Xunit.Abstractions;

namespace JamServer.Tests.Moderation;

/// <summary>The scorer's quality on the labelled sets we wrote (docs/moderation.md gives the figures).</summary>
public sealed class SentimentEvaluationTests(ITestOutputHelper output)
{
    /// <summary>The documented floor of 3-class accuracy on the evaluation set.</summary>
    private const double RequiredAccuracy = 0.80;

    private static readonly LexiconSentimentScorer Scorer = new();

    [Fact]
    public void The_evaluation_set_has_at_least_100_sentences_of_each_class()
    {
        var sentences = LabelledSentences.Load("sentiment-eval.tsv").Sentences;

        Assert.True(sentences.Count >= 330, $"only {sentences.Count} sentences");
        Assert.All(Enum.GetValues<SentimentClass>(), c => Assert.True(sentences.Count(s => s.Label == c) >= 100, $"fewer than 100 {c}"));
    }

    [Fact]
    public void The_scorer_classifies_at_least_80_percent_of_the_evaluation_set_correctly()
    {
        var result = LabelledSentences.Load("sentiment-eval.tsv").ScoreWith(Scorer);
        output.WriteLine(result.Report());

        Assert.True(result.Accuracy >= RequiredAccuracy, $"accuracy {result.Accuracy:0.000} is below {RequiredAccuracy}");
    }

    [Fact]
    public void The_scorer_classifies_at_least_80_percent_of_the_dev_set_correctly()
    {
        var result = LabelledSentences.Load("sentiment-dev.tsv").ScoreWith(Scorer);
        output.WriteLine(result.Report());

        Assert.True(result.Accuracy >= RequiredAccuracy, $"accuracy {result.Accuracy:0.000} is below {RequiredAccuracy}");
    }
}
