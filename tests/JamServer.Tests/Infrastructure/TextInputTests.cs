using JamServer.Discussion;
using JamServer.Identity;
using JamServer.Infrastructure;
using JamServer.Moderation;
using JamServer.Proposals;

namespace JamServer.Tests.Infrastructure;

public sealed class TextInputTests
{
    private static string CodeOf(Action act) => Assert.Throws<JamException>(act).Code;

    [Theory]
    [InlineData("Cafe\u0301", "Caf\u00e9")]
    [InlineData("\u212b", "\u00c5")]
    [InlineData("A\u030a", "\u00c5")]
    [InlineData("\u1100\u1161", "\uac00")]
    [InlineData("already \u00e9", "already \u00e9")]
    public void Text_is_normalised_to_nfc(string sent, string kept)
    {
        Assert.Equal(kept, TextInput.Clean(sent));
    }

    [Fact]
    public void Control_characters_go_but_newlines_and_tabs_stay()
    {
        Assert.Equal("a\nb\tc d", TextInput.Clean("a\r\n\u0000b\t\u0007c\u001b d\u007f\u0085"));
    }

    [Fact]
    public void A_mark_that_a_control_character_kept_apart_still_composes()
    {
        Assert.Equal("Caf\u00e9", TextInput.Clean("Cafe\u0000\u0301"));
    }

    [Fact]
    public void Emoji_and_other_surrogate_pairs_are_kept()
    {
        Assert.Equal("ok \ud83c\udf0a", TextInput.Clean("ok \ud83c\udf0a"));
    }

    // Lone surrogates do not survive an attribute's metadata, so these are built in code rather than InlineData.
    [Fact]
    public void A_lone_surrogate_is_invalid_input()
    {
        foreach (var text in new[] { "bad \ud800 text", "\udc00 low first", "high at the end \ud83c", "reversed \udf0a\ud83c" })
        {
            Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => TextInput.Clean(text)));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    public void An_identifier_that_is_missing_or_unprintable_is_refused(string? id)
    {
        Assert.Null(TextInput.Identifier(id, 100));
    }

    [Fact]
    public void An_identifier_that_is_not_unicode_is_refused()
    {
        Assert.Null(TextInput.Identifier("room\ud800", 100));
        Assert.Null(TextInput.Identifier("\udc00room", 100));
    }

    [Fact]
    public void An_identifier_is_trimmed_and_capped()
    {
        Assert.Equal("water", TextInput.Identifier("  water ", 100));
        Assert.Null(TextInput.Identifier(new string('x', 101), 100));
    }

    /// <summary>Every field a client fills with text goes through the same cleaning, or the same identifier check.</summary>
    [Fact]
    public void Every_user_text_is_normalised_and_refuses_lone_surrogates()
    {
        const string decomposed = "Cafe\u0301";
        const string composed = "Caf\u00e9";
        const string lone = "x\ud800";

        Assert.Equal(composed, WritePost.Validate(new PostRequest("water", null, decomposed, "c1"), "p", "P").Body);
        Assert.Equal(composed, WritePost.Validate(new PostRequest("water", null, "b", "c1"), "p", decomposed).AuthorName);
        var proposal = ProposeIdea.Validate(new ProposeRequest("water", "t1", decomposed, decomposed, "c1"), "p", "P");
        Assert.Equal((composed, composed), (proposal.Title, proposal.Summary));
        Assert.Equal(composed, DemoSignIn.DisplayName(decomposed));
        Assert.Equal(composed, ModerationInput.Reason(decomposed));
        Assert.Equal(composed, MergeProposals.Validate("a", "b", decomposed, "m").Reason);

        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => WritePost.Validate(new PostRequest("water", null, lone, "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => WritePost.Validate(new PostRequest("water", null, "b", lone), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => WritePost.Validate(new PostRequest(lone, null, "b", "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => WritePost.Validate(new PostRequest("water", lone, "b", "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(new ProposeRequest("water", "t1", lone, "s", "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(new ProposeRequest("water", "t1", "t", lone, "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ProposeIdea.Validate(new ProposeRequest("water", lone, "t", "s", "c1"), "p", "P")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => DemoSignIn.DisplayName(lone)));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ModerationInput.Reason(lone)));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => ModerationInput.PostId(lone)));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => FlagPost.Validate(lone, "spam", "p")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => MergeProposals.Validate(lone, "b", "why", "m")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => MergeProposals.Validate("a", "b", lone, "m")));
        Assert.Equal(ErrorCodes.InvalidInput, CodeOf(() => JamServer.Voting.CastVote.Validate(lone, "p", "employee", retract: false)));

        // A name in a token issued elsewhere is not refused: one that is not valid Unicode falls back to the author id.
        Assert.Equal("p", WritePost.Validate(new PostRequest("water", null, "b", "c1"), "p", lone).AuthorName);
    }
}
