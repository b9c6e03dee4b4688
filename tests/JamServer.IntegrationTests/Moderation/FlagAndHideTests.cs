using System.Net;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Moderation;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Moderation;

[Collection(LiveJamCollection.Name)]
public sealed class FlagAndHideTests(JamServerFixture jam)
{
    private const string Room = "wellbeing";

    private static async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HubException>(call);
        Assert.StartsWith(code + ": ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Posting_before_accepting_the_guidelines_is_refused_and_stores_nothing()
    {
        await using var newcomer = await jam.ConnectAsync(acceptGuidelines: false);
        var clientId = JamClient.NewId();

        await AssertRefusedAsync("GUIDELINES_NOT_ACCEPTED", () => newcomer.PostAsync(Room, "Hello, jam", clientId: clientId));
        using var http = jam.Server.As(newcomer.Who);
        var stored = await http.GetFromJsonAsync<List<PostDto>>($"api/rooms/{Room}/posts?limit=1000").Timely();
        Assert.DoesNotContain(stored!, p => p.AuthorId == newcomer.Who.ParticipantId);

        var guidelines = await http.GetFromJsonAsync<GuidelinesDto>("api/guidelines").Timely();
        Assert.Contains(guidelines!.Items, item => item.Contains("confidential", StringComparison.Ordinal));
        await newcomer.Connection.InvokeAsync<GuidelinesAck>("AcceptGuidelines").Timely();
        await newcomer.Connection.InvokeAsync<GuidelinesAck>("AcceptGuidelines").Timely();
        var ack = await newcomer.PostAsync(Room, "Hello, jam", clientId: clientId);
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, Guidelines.StreamIdOf(newcomer.Who.ParticipantId), "guidelines_accepted"));

        // Accepted once counts on every connection of the participant, and after a reconnect.
        await using var secondTab = await JamClient.ConnectAsync(jam.Server.BaseAddress, newcomer.Who, acceptGuidelines: false);
        Assert.True((await secondTab.PostAsync(Room, "From my other tab")).Seq > ack.Seq);
    }

    [Fact]
    public async Task Three_participants_flags_hide_a_post_from_participants_but_not_from_moderators()
    {
        await using var author = await jam.ConnectAsync();
        await using var reader = await jam.ConnectAsync();
        await using var moderator = await jam.ConnectAsync("moderator");
        var start = (await reader.JoinAsync(Room)).LastSeq;
        var post = await author.PostAsync(Room, "Buy my course at spam.example!");
        await reader.WaitForPostAsync(p => p.PostId == post.PostId);

        var flaggers = new[] { await jam.ConnectAsync(), await jam.ConnectAsync(), await jam.ConnectAsync() };
        try
        {
            Assert.Equal(new FlagAck(post.PostId, 1, false), await flaggers[0].FlagAsync(post.PostId, "spam"));
            await moderator.WaitForFlagAsync(f => f.PostId == post.PostId && f.FlaggerId == flaggers[0].Who.ParticipantId);
            Assert.Equal(new FlagAck(post.PostId, 2, false), await flaggers[1].FlagAsync(post.PostId, "spam"));
            Assert.Equal(new FlagAck(post.PostId, 3, true), await flaggers[2].FlagAsync(post.PostId, "off-topic"));
        }
        finally
        {
            foreach (var flagger in flaggers)
            {
                await flagger.DisposeAsync();
            }
        }

        var hidden = await reader.WaitForHiddenAsync(h => h.PostId == post.PostId);
        Assert.Equal((Room, post.Seq, true), (hidden.RoomId, hidden.Seq, hidden.ByCommunity));

        await using var late = await jam.ConnectAsync();
        var seen = (await late.JoinAsync(Room, start)).Posts.Single(p => p.PostId == post.PostId);
        Assert.True(seen.Hidden);
        Assert.Equal("", seen.Body);
        Assert.Equal(post.Seq, seen.Seq);

        var seenByModerator = (await moderator.JoinAsync(Room, start)).Posts.Single(p => p.PostId == post.PostId);
        Assert.True(seenByModerator.Hidden);
        Assert.Equal("Buy my course at spam.example!", seenByModerator.Body);

        using var asModerator = jam.Server.As(moderator.Who);
        var queue = await asModerator.GetFromJsonAsync<List<FlaggedPost>>("api/moderation/flags").Timely();
        var queued = queue!.Single(q => q.PostId == post.PostId);
        Assert.True(queued.HiddenByCommunity);
        Assert.Equal(["spam", "spam", "off-topic"], queued.OpenFlags.Select(f => f.Reason));
        Assert.Equal("Buy my course at spam.example!", queued.Body);
    }

    [Fact]
    public async Task A_participant_flags_a_post_once_never_their_own_and_only_for_a_listed_reason()
    {
        await using var author = await jam.ConnectAsync();
        await using var flagger = await jam.ConnectAsync();
        var post = await author.PostAsync(Room, "Let us pilot the clinic scheduler in two regions.");

        await AssertRefusedAsync("INVALID_INPUT", () => author.FlagAsync(post.PostId, "spam"));
        await AssertRefusedAsync("INVALID_INPUT", () => flagger.FlagAsync(post.PostId, "boring"));
        await AssertRefusedAsync("NOT_FOUND", () => flagger.FlagAsync("no-such-post", "spam"));
        await flagger.FlagAsync(post.PostId, "off-topic");
        await AssertRefusedAsync("ALREADY_FLAGGED", () => flagger.FlagAsync(post.PostId, "spam"));

        var flags = await EventLog.ReadAsync(jam.Server.JamId, PostModeration.StreamIdOf(post.PostId), ReadAudit.FlaggedType);
        Assert.Single(flags);
    }

    [Fact]
    public async Task Flags_arriving_together_are_all_kept_and_hide_the_post_once()
    {
        await using var author = await jam.ConnectAsync();
        var post = await author.PostAsync(Room, "Everyone should send me their passwords for the pilot.");
        var flaggers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => jam.ConnectAsync()));
        try
        {
            var acks = await Task.WhenAll(flaggers.Select(f => f.FlagAsync(post.PostId, "abusive")));
            Assert.Equal(Enumerable.Range(1, 6), acks.Select(a => a.OpenFlags).Order());
        }
        finally
        {
            foreach (var flagger in flaggers)
            {
                await flagger.DisposeAsync();
            }
        }

        var stream = PostModeration.StreamIdOf(post.PostId);
        Assert.Equal(6, (await EventLog.ReadAsync(jam.Server.JamId, stream, ReadAudit.FlaggedType)).Count);
        Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, stream, ReadAudit.HiddenType));
    }

    [Fact]
    public async Task A_moderator_restores_a_hidden_post_for_the_room_and_the_audit_trail_says_who_did_what_and_why()
    {
        await using var author = await jam.ConnectAsync();
        await using var reader = await jam.ConnectAsync();
        await using var moderator = await jam.ConnectAsync("moderator");
        var start = (await reader.JoinAsync(Room)).LastSeq;
        var post = await author.PostAsync(Room, "Our supplier's prices are a scandal, everyone should know.");
        var flaggers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => jam.ConnectAsync()));
        foreach (var flagger in flaggers)
        {
            await flagger.FlagAsync(post.PostId, "confidential");
            await flagger.DisposeAsync();
        }

        await reader.WaitForHiddenAsync(h => h.PostId == post.PostId);
        var restored = await moderator.Connection.InvokeAsync<ModerationAck>(
            "RestorePost", post.PostId, "Public information, no customer named").Timely();
        Assert.Equal(new ModerationAck(post.PostId, false, 0), restored);
        var back = await reader.WaitForRestoredAsync(p => p.PostId == post.PostId);
        Assert.Equal(("Our supplier's prices are a scandal, everyone should know.", false), (back.Body, back.Hidden));
        await AssertRefusedAsync("NOT_HIDDEN", () => moderator.Connection.InvokeAsync<ModerationAck>("RestorePost", post.PostId, "again"));

        using var asModerator = jam.Server.As(moderator.Who);
        var hide = await asModerator.PostAsJsonAsync($"api/moderation/posts/{post.PostId}/hide", new { reason = "Names a supplier after all" }).Timely();
        Assert.Equal(HttpStatusCode.OK, hide.StatusCode);
        var hidden = await reader.WaitForHiddenAsync(h => h.PostId == post.PostId && !h.ByCommunity);
        Assert.Equal(post.Seq, hidden.Seq);
        var again = await asModerator.PostAsJsonAsync($"api/moderation/posts/{post.PostId}/hide", new { reason = "twice" }).Timely();
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var queue = await asModerator.GetFromJsonAsync<List<FlaggedPost>>("api/moderation/flags?limit=500").Timely();
        Assert.DoesNotContain(queue!, q => q.PostId == post.PostId);

        var audit = await asModerator.GetFromJsonAsync<List<AuditEntry>>("api/moderation/audit?limit=1000").Timely();
        var trail = audit!.Where(a => a.PostId == post.PostId).ToList();
        Assert.Equal(["flagged", "flagged", "flagged", "hidden", "restored", "hidden"], trail.Select(a => a.Action));
        Assert.Equal(flaggers.Select(f => f.Who.ParticipantId), trail.Take(3).Select(a => a.By));
        Assert.Equal(("community", true), (trail[3].By, trail[3].ByCommunity));
        Assert.Equal((moderator.Who.ParticipantId, "Public information, no customer named"), (trail[4].By, trail[4].Reason));
        Assert.Equal((moderator.Who.ParticipantId, "Names a supplier after all", false), (trail[5].By, trail[5].Reason, trail[5].ByCommunity));
        Assert.True(trail.Zip(trail.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq));

        var seen = (await reader.JoinAsync(Room, start)).Posts.Single(p => p.PostId == post.PostId);
        Assert.Equal(("", true), (seen.Body, seen.Hidden));
    }

    [Theory]
    [InlineData("participant")]
    [InlineData("executive")]
    public async Task Only_moderators_and_organizers_read_the_moderation_api_and_hide_or_restore_posts(string role)
    {
        await using var author = await jam.ConnectAsync();
        var post = await author.PostAsync(Room, "A post nobody may hide but moderators.");
        await using var outsider = await jam.ConnectAsync(role);
        using var http = jam.Server.As(outsider.Who);
        foreach (var path in new[] { "api/moderation/flags", "api/moderation/audit" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(path).Timely()).StatusCode);
        }

        var hide = await http.PostAsJsonAsync($"api/moderation/posts/{post.PostId}/hide", new { reason = "no" }).Timely();
        Assert.Equal(HttpStatusCode.Forbidden, hide.StatusCode);
        await AssertRefusedAsync("FORBIDDEN", () => outsider.Connection.InvokeAsync<ModerationAck>("HidePost", post.PostId, "no"));
        await AssertRefusedAsync("FORBIDDEN", () => outsider.Connection.InvokeAsync<ModerationAck>("RestorePost", post.PostId, "no"));
        Assert.Empty(await EventLog.ReadAsync(jam.Server.JamId, PostModeration.StreamIdOf(post.PostId), ReadAudit.HiddenType));

        await using var organizer = await jam.ConnectAsync("organizer");
        var ack = await organizer.Connection.InvokeAsync<ModerationAck>("HidePost", post.PostId, "Testing the organizer's right").Timely();
        Assert.True(ack.Hidden);
        await AssertRefusedAsync("INVALID_INPUT", () => organizer.Connection.InvokeAsync<ModerationAck>("RestorePost", post.PostId, " "));
    }

    [Fact]
    public async Task A_hidden_thread_cannot_become_a_proposal()
    {
        await using var author = await jam.ConnectAsync();
        await using var moderator = await jam.ConnectAsync("moderator");
        var thread = await author.PostAsync(Room, "Our client's unreleased roadmap says they will switch suppliers.");
        await moderator.Connection.InvokeAsync<ModerationAck>("HidePost", thread.PostId, "Confidential client plans").Timely();

        await AssertRefusedAsync("INVALID_INPUT", () => author.ProposeAsync(Room, thread.PostId, "Switch suppliers"));
    }
}
