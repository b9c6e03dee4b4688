using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Rooms;

namespace JamServer.Tests.Discussion;

public sealed class WritePostTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly RoomView Room = new() { Id = "water", LastSeq = 4 };

    private static WritePost.Command Command(string? parentId = null, string body = "Rain gardens on every roof") =>
        WritePost.Validate(new PostRequest("water", parentId, body, "c-1"), "p-ann", "Ann");

    private static PostView Parent(int depth, string room = "water") =>
        new() { Id = "post-1", RoomId = room, ThreadId = "root-1", Depth = depth };

    [Fact]
    public void A_new_post_starts_its_own_thread()
    {
        var written = WritePost.Decide(Command(), JamPhase.Discussion, Room, null, 5, "post-9", Now);

        Assert.Equal("post-9", written.ThreadId);
        Assert.Null(written.ParentId);
        Assert.Equal(0, written.Depth);
        Assert.Equal(5, written.Seq);
        Assert.Equal(Now, written.WrittenAt);
        Assert.Equal(("p-ann", "Ann", "c-1"), (written.AuthorId, written.AuthorName, written.ClientId));
    }

    [Fact]
    public void A_reply_joins_its_parents_thread_one_level_deeper()
    {
        var written = WritePost.Decide(Command("post-1"), JamPhase.Voting, Room, Parent(2), 5, "post-9", Now);

        Assert.Equal("root-1", written.ThreadId);
        Assert.Equal("post-1", written.ParentId);
        Assert.Equal(3, written.Depth);
    }

    [Fact]
    public void A_reply_past_the_depth_limit_is_refused()
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Decide(Command("post-1"), JamPhase.Discussion, Room, Parent(WritePost.MaxDepth), 5, "post-9", Now));

        Assert.Equal(ErrorCodes.InvalidInput, refused.Code);
    }

    [Fact]
    public void A_reply_to_a_post_of_another_room_is_not_found()
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Decide(Command("post-1"), JamPhase.Discussion, Room, Parent(0, room: "energy"), 5, "post-9", Now));

        Assert.Equal(ErrorCodes.NotFound, refused.Code);
    }

    [Fact]
    public void A_reply_to_an_unknown_post_is_not_found()
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Decide(Command("nope"), JamPhase.Discussion, Room, null, 5, "post-9", Now));

        Assert.Equal(ErrorCodes.NotFound, refused.Code);
    }

    [Fact]
    public void A_post_to_an_unknown_room_is_not_found()
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Decide(Command(), JamPhase.Discussion, null, null, 1, "post-9", Now));

        Assert.Equal(ErrorCodes.NotFound, refused.Code);
    }

    [Theory]
    [InlineData(JamPhase.Scheduled)]
    [InlineData(JamPhase.Closed)]
    public void Posting_outside_discussion_and_voting_is_phase_closed(JamPhase phase)
    {
        var refused = Assert.Throws<JamException>(() => WritePost.Decide(Command(), phase, Room, null, 5, "post-9", Now));

        Assert.Equal(ErrorCodes.PhaseClosed, refused.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("\u0000\u0007")]
    public void An_empty_body_is_invalid(string body)
    {
        Assert.Equal(ErrorCodes.InvalidInput, Assert.Throws<JamException>(() => Command(body: body)).Code);
    }

    [Fact]
    public void A_body_over_the_cap_is_invalid_and_one_at_the_cap_is_taken()
    {
        Assert.Equal(WritePost.MaxBodyLength, Command(body: new string('a', WritePost.MaxBodyLength)).Body.Length);
        Assert.Equal(ErrorCodes.InvalidInput, Assert.Throws<JamException>(() => Command(body: new string('a', WritePost.MaxBodyLength + 1))).Code);
    }

    [Fact]
    public void A_body_is_trimmed_normalized_to_nfc_and_cleared_of_control_characters()
    {
        var body = Command(body: "  Cafe\u0301\u0000 ok\r\n<script>x</script>\tend  ").Body;

        Assert.Equal("Caf\u00e9 ok\n<script>x</script>\tend", body);
    }

    [Fact]
    public void A_lone_surrogate_is_invalid_input()
    {
        Assert.Equal(ErrorCodes.InvalidInput, Assert.Throws<JamException>(() => Command(body: "bad \ud800 text")).Code);
    }

    [Theory]
    [InlineData(null, "body", "c-1")]
    [InlineData("water", "body", null)]
    [InlineData("water", "body", " ")]
    [InlineData("water", null, "c-1")]
    public void A_request_missing_a_field_is_invalid(string? roomId, string? body, string? clientId)
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Validate(new PostRequest(roomId, null, body, clientId), "p-ann", "Ann"));

        Assert.Equal(ErrorCodes.InvalidInput, refused.Code);
    }

    [Fact]
    public void A_client_id_longer_than_the_cap_is_invalid()
    {
        var refused = Assert.Throws<JamException>(() =>
            WritePost.Validate(new PostRequest("water", null, "x", new string('c', WritePost.MaxClientIdLength + 1)), "p", "P"));

        Assert.Equal(ErrorCodes.InvalidInput, refused.Code);
    }

    [Theory]
    [InlineData("  Ann\u0000 ", "Ann")]
    [InlineData("   ", "p-ann")]
    public void A_display_name_from_a_token_is_cleaned_or_replaced_by_the_author_id(string name, string expected)
    {
        Assert.Equal(expected, WritePost.Validate(new PostRequest("water", null, "x", "c"), "p-ann", name).AuthorName);
    }

    [Fact]
    public void A_display_name_that_is_not_valid_unicode_is_replaced_by_the_author_id()
    {
        var name = "bad " + (char)0xD800 + " name";

        Assert.Equal("p-ann", WritePost.Validate(new PostRequest("water", null, "x", "c"), "p-ann", name).AuthorName);
    }

    [Fact]
    public void A_display_name_is_capped()
    {
        var command = WritePost.Validate(new PostRequest("water", null, "x", "c"), "p-ann", new string('n', 500));

        Assert.Equal(WritePost.MaxNameLength, command.AuthorName.Length);
    }

    [Fact]
    public void A_missing_request_is_invalid()
    {
        Assert.Equal(ErrorCodes.InvalidInput, Assert.Throws<JamException>(() => WritePost.Validate(null, "p", "P")).Code);
    }

    [Fact]
    public void A_post_carries_its_bodys_language_and_sentiment_into_the_fact()
    {
        var command = Command(body: "This pilot is a brilliant idea!");
        var reading = new JamServer.Moderation.Sentiment.LexiconSentimentScorer().Score(command.Body);

        var written = WritePost.Decide(command with { Reading = reading }, JamPhase.Discussion, Room, null, 5, "post-9", Now);

        Assert.Equal("en", written.Language);
        Assert.True(written.Sentiment > 0.1);
        Assert.Equal(reading.Score, PostViewProjection.Create(written).Sentiment);
    }

    [Fact]
    public void A_post_read_without_a_score_stays_unscored()
    {
        var written = WritePost.Decide(Command(), JamPhase.Discussion, Room, null, 5, "post-9", Now);

        Assert.Equal(("und", (double?)null), (written.Language, written.Sentiment));
    }

    [Fact]
    public void A_long_name_from_another_issuer_is_cut_short_without_splitting_an_emoji()
    {
        var name = new string('a', WritePost.MaxNameLength - 1) + "\U0001F600 and more";

        var cleaned = WritePost.CleanName(name, "p-1");

        Assert.Equal(new string('a', WritePost.MaxNameLength - 1), cleaned);
        Assert.True(JamServer.Infrastructure.TextInput.IsWellFormed(cleaned));
    }
}
