using JamServer.Infrastructure;
using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class PostModerationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static PostModeration Fresh() => PostModeration.Fresh("post-1", "water", "ann");

    private static PostModeration After(PostModeration state, IEnumerable<object> facts)
    {
        foreach (var fact in facts)
        {
            state.Apply(fact);
        }

        return state;
    }

    private static IReadOnlyList<object> Flag(PostModeration state, string flagger, string reason = "spam", int threshold = 3) =>
        FlagPost.Decide(FlagPost.Validate("post-1", reason, flagger), state, threshold, Now);

    private static void AssertRefused(string code, Action decide) =>
        Assert.Equal(code, Assert.Throws<JamException>(decide).Code);

    [Fact]
    public void A_flag_below_the_threshold_is_recorded_and_hides_nothing()
    {
        var facts = Flag(Fresh(), "bo", "off-topic");

        Assert.Equal([new PostFlagged("post-1", "water", "bo", "off-topic", Now)], facts);
    }

    [Fact]
    public void The_flag_that_reaches_the_threshold_hides_the_post_in_the_name_of_the_community()
    {
        var state = After(Fresh(), Flag(Fresh(), "bo"));
        state = After(state, Flag(state, "cy", "abusive"));

        var facts = Flag(state, "di");

        Assert.Equal(2, facts.Count);
        var hidden = Assert.IsType<PostHidden>(facts[1]);
        Assert.Equal((PostModeration.Community, true, Now), (hidden.HiddenBy, hidden.ByCommunity, hidden.HiddenAt));
        Assert.Equal("Flagged by 3 participants (spam, abusive).", hidden.Reason);
        Assert.True(After(state, facts).Hidden);
    }

    [Fact]
    public void A_participant_flags_a_post_once_and_never_their_own()
    {
        var state = After(Fresh(), Flag(Fresh(), "bo"));

        AssertRefused(ErrorCodes.AlreadyFlagged, () => Flag(state, "bo", "abusive"));
        AssertRefused(ErrorCodes.InvalidInput, () => Flag(state, "ann"));
    }

    [Theory]
    [InlineData("boring")]
    [InlineData("")]
    [InlineData(null)]
    public void A_flag_needs_one_of_the_listed_reasons(string? reason) =>
        AssertRefused(ErrorCodes.InvalidInput, () => FlagPost.Validate("post-1", reason, "bo"));

    [Fact]
    public void Flags_on_a_hidden_post_are_recorded_without_hiding_it_again()
    {
        var state = After(Fresh(), [new PostHidden("post-1", "water", "mod", "Names a customer", false, Now)]);

        Assert.Single(Flag(state, "bo", threshold: 1));
    }

    [Fact]
    public void A_moderator_restores_a_hidden_post_and_later_flags_count_afresh()
    {
        var state = Fresh();
        foreach (var flagger in new[] { "bo", "cy", "di" })
        {
            state = After(state, Flag(state, flagger));
        }

        state = After(state, RestorePost.Decide(RestorePost.Validate("post-1", "Fine after all", "mod"), state, Now));
        Assert.False(state.Hidden);
        Assert.Equal(0, state.OpenFlagCount);

        state = After(state, Flag(state, "ed"));
        state = After(state, Flag(state, "fy"));
        Assert.False(state.Hidden);
        AssertRefused(ErrorCodes.AlreadyFlagged, () => Flag(state, "bo"));
        Assert.True(After(state, Flag(state, "gu")).Hidden);
    }

    [Fact]
    public void A_moderator_confirms_a_hide_by_the_community_once()
    {
        var state = Fresh();
        foreach (var flagger in new[] { "bo", "cy", "di" })
        {
            state = After(state, Flag(state, flagger));
        }

        var hide = HidePost.Validate("post-1", "Abusive indeed", "mod");
        state = After(state, HidePost.Decide(hide, state, Now));

        Assert.True(state.Hidden);
        Assert.False(state.HiddenByCommunity);
        Assert.Equal(0, state.OpenFlagCount);
        AssertRefused(ErrorCodes.AlreadyHidden, () => HidePost.Decide(hide, state, Now));
    }

    [Fact]
    public void Restoring_a_visible_post_without_open_flags_is_refused()
    {
        AssertRefused(ErrorCodes.NotHidden, () => RestorePost.Decide(RestorePost.Validate("post-1", "why", "mod"), Fresh(), Now));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_moderator_always_says_why(string? reason)
    {
        AssertRefused(ErrorCodes.InvalidInput, () => HidePost.Validate("post-1", reason, "mod"));
        AssertRefused(ErrorCodes.InvalidInput, () => RestorePost.Validate("post-1", reason, "mod"));
    }
}
