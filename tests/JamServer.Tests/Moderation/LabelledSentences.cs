using System.Globalization;
using System.Text;
using JamServer.Moderation.Sentiment;

namespace JamServer.Tests.Moderation;

/// <summary>A labelled set (label TAB sentence a line) scored by a scorer: accuracy, confusion matrix, the misses.</summary>
public sealed class LabelledSentences
{
    private static readonly SentimentClass[] Classes = [SentimentClass.Positive, SentimentClass.Neutral, SentimentClass.Negative];

    private LabelledSentences(IReadOnlyList<(SentimentClass Label, string Text)> sentences) => Sentences = sentences;

    public IReadOnlyList<(SentimentClass Label, string Text)> Sentences { get; }

    public static LabelledSentences Load(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Moderation", fileName);
        var sentences = File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t', 2))
            .Select(parts => (Enum.Parse<SentimentClass>(parts[0], ignoreCase: true), parts[1]))
            .ToList();
        return new LabelledSentences(sentences);
    }

    public Result ScoreWith(ISentimentScorer scorer)
    {
        var confusion = new int[Classes.Length, Classes.Length];
        var misses = new List<string>();
        var unscored = 0;
        foreach (var (label, text) in Sentences)
        {
            var reading = scorer.Score(text);
            // An unscored sentence (its English not recognised) is a miss whatever its label.
            var predicted = reading.Class;
            if (reading.Class is null)
            {
                unscored++;
            }
            else
            {
                confusion[Array.IndexOf(Classes, label), Array.IndexOf(Classes, reading.Class.Value)]++;
            }

            if (predicted != label)
            {
                misses.Add(string.Create(CultureInfo.InvariantCulture, $"{label,-8} as {predicted,-8} {reading.Score,7:0.000} [{reading.Language}] {text}"));
            }
        }

        return new Result(confusion, misses, unscored);
    }

    /// <summary>The confusion matrix of the scored sentences; <paramref name="Unscored"/> count as misses.</summary>
    public sealed record Result(int[,] Confusion, IReadOnlyList<string> Misses, int Unscored)
    {
        public int Total => Confusion.Cast<int>().Sum() + Unscored;

        public double Accuracy => (double)Enumerable.Range(0, Classes.Length).Sum(i => Confusion[i, i]) / Total;

        public string Report()
        {
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"accuracy {Accuracy:0.000} ({Total - Misses.Count}/{Total})");
            report.AppendLine("label \\ predicted  positive  neutral  negative");
            for (var i = 0; i < Classes.Length; i++)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"{Classes[i],-18} {Confusion[i, 0],8} {Confusion[i, 1],8} {Confusion[i, 2],9}");
            }

            foreach (var miss in Misses)
            {
                report.AppendLine(miss);
            }

            return report.ToString();
        }
    }
}
