using JamServer.Moderation.Sentiment;

namespace JamServer.Tests.Moderation;

public sealed class LanguageDetectorTests
{
    private static readonly LanguageDetector Detector = new();

    [Theory]
    [InlineData("en", "This would finally let field engineers share fixes across regions.")]
    [InlineData("en", "This feels like a cost-cutting exercise disguised as innovation.")]
    [InlineData("en", "How does this compare to what the Tokyo lab tried in 2019?")]
    [InlineData("de", "Ich finde die Idee gut, aber die Kosten sind viel zu hoch für unsere Werke.")]
    [InlineData("de", "Wir sollten das zuerst in einem Werk ausprobieren.")]
    [InlineData("fr", "Je pense que cette proposition est intéressante, mais le budget n'est pas réaliste.")]
    [InlineData("fr", "C'est une très bonne idée pour nos clients.")]
    [InlineData("es", "Creo que esta propuesta es muy buena para los clientes de la empresa.")]
    [InlineData("es", "¿Cuándo empieza la votación?")]
    [InlineData("it", "Secondo me questa proposta è molto utile per i nostri clienti.")]
    [InlineData("it", "Non sono d'accordo, costa troppo.")]
    [InlineData("pt", "Acho que esta proposta não é boa para os nossos clientes.")]
    [InlineData("pt", "Uma ótima ideia, parabéns à equipe!")]
    [InlineData("nl", "Ik vind het een goed idee, maar het is te duur voor ons bedrijf.")]
    [InlineData("nl", "Wij hebben dit vorig jaar ook geprobeerd.")]
    public void Latin_script_languages_are_told_apart_by_their_frequent_words(string expected, string text) =>
        Assert.Equal(expected, Detector.Detect(text));

    [Theory]
    [InlineData("zh", "这个想法很好，我们应该在工厂试一试。")]
    [InlineData("ja", "このアイデアはとても良いと思います。")]
    [InlineData("ko", "좋은 아이디어라고 생각합니다.")]
    [InlineData("ru", "Это отличная идея для наших клиентов.")]
    [InlineData("uk", "Це чудова ідея для наших клієнтів.")]
    [InlineData("ar", "هذه فكرة رائعة لعملائنا")]
    [InlineData("he", "זה רעיון מצוין ללקוחות שלנו")]
    [InlineData("el", "Αυτή είναι μια εξαιρετική ιδέα.")]
    [InlineData("hi", "यह हमारे ग्राहकों के लिए एक अच्छा विचार है।")]
    [InlineData("th", "นี่เป็นความคิดที่ดีมาก")]
    public void Other_scripts_are_told_by_their_unicode_blocks(string expected, string text) =>
        Assert.Equal(expected, Detector.Detect(text));

    [Theory]
    [InlineData("Great idea!")]
    [InlineData("I disagree")]
    [InlineData("Well said.")]
    [InlineData("Thanks, this helps")]
    [InlineData("Absolutely not.")]
    [InlineData("Count me in")]
    public void Short_posts_of_clearly_english_words_are_english(string text) => Assert.Equal("en", Detector.Detect(text));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12345 678 90")]
    [InlineData("asdkjh qwpoe zzxmn")]
    [InlineData("👍👍")]
    [InlineData("No")]
    [InlineData("Super")]
    [InlineData("OK!!!")]
    public void Empty_numeric_gibberish_or_ambiguous_posts_are_undetermined(string text) =>
        Assert.Equal(LanguageDetector.Undetermined, Detector.Detect(text));

    [Fact]
    public void A_latin_word_or_two_inside_a_chinese_post_leaves_it_chinese() =>
        Assert.Equal("zh", Detector.Detect("AI 技术对我们的客户很有帮助"));
}
