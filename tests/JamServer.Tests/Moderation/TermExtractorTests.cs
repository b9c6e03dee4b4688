using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class TermExtractorTests
{
    private static IReadOnlyList<string> Terms(string text) => TermExtractor.Terms(text, "en");

    [Fact]
    public void Words_are_lowercased_and_stop_words_dropped()
    {
        Assert.Equal(["customer", "onboarding", "customer onboarding"], Terms("We should do THE Customer Onboarding!"));
    }

    [Fact]
    public void The_jams_own_chatter_is_dropped()
    {
        Assert.Empty(Terms("I really think this is a great idea, totally agree! Thanks for the post, would love to see more ideas."));
    }

    [Fact]
    public void Consecutive_kept_words_make_phrases()
    {
        Assert.Equal(["remote", "work", "remote work", "policy", "work policy"], Terms("remote work policy"));
    }

    [Fact]
    public void A_stop_word_or_punctuation_breaks_a_phrase_but_a_line_break_does_not()
    {
        Assert.Equal(["supply", "chain", "risk"], Terms("supply of chain. Risk"));
        Assert.Equal(["supply", "chain", "risk", "chain risk"], Terms("supply, chain\nrisk"));
        Assert.Equal(["supply", "chain", "risk"], Terms("supply 42 chain — risk"));
    }

    [Fact]
    public void Short_tokens_and_numbers_are_dropped_but_common_acronyms_kept()
    {
        Assert.Equal(["ai", "tool", "ai tool", "covid-19", "5g"], Terms("AI tools in 2030: 12 go ok, covid-19 and 5g"));
    }

    [Fact]
    public void Plurals_fold_onto_the_singular_where_that_is_safe()
    {
        Assert.Equal(
            ["pilot", "policy", "process", "analysis", "status", "box", "approach", "issue", "news", "analytics", "crisis", "life"],
            Terms("pilots, policies, processes, analysis, status, boxes, approaches, issues, news, analytics, crises, lives"));
        Assert.Equal(["process", "business", "campus", "bias"], Terms("process. business. campus. bias. ideas"));
        Assert.Equal(["supply", "chain", "supply chain"], Terms("supply chains"));
    }

    [Fact]
    public void Each_term_is_listed_once_per_post()
    {
        Assert.Equal(["pilot", "program", "pilot program"], Terms("Pilot program. The pilots' program; pilot programs!"));
    }

    [Fact]
    public void Apostrophes_hyphens_and_possessives_are_handled()
    {
        Assert.Equal(["customer", "feedback", "customer feedback", "e-commerce"], Terms("our customer's feedback, don't 'e-commerce' -- it’s"));
        Assert.Equal(["employee", "experience", "employee experience"], Terms("employees' experience"));
    }

    [Fact]
    public void Long_tokens_such_as_links_are_dropped()
    {
        Assert.Equal(["wiki", "page", "wiki page"], Terms("see https://intranet.example.com/page wiki page"));
        Assert.Equal(["wiki", "page"], Terms("wiki www.example.com page"));
        Assert.Equal(["wiki", "page"], Terms("wiki averyveryveryverylongtokenthatgoesonandonandon page"));
    }

    [Fact]
    public void Only_english_posts_give_terms()
    {
        Assert.NotEmpty(TermExtractor.Terms("remote work", "en-GB"));
        Assert.NotEmpty(TermExtractor.Terms("remote work", "EN"));
        Assert.Empty(TermExtractor.Terms("travail à distance", "fr"));
        Assert.Empty(TermExtractor.Terms("remote work", ""));
        Assert.Empty(TermExtractor.Terms("remote work", "eng"));
    }
}
