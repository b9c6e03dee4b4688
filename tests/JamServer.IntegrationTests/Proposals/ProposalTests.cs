using System.Net;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace JamServer.IntegrationTests.Proposals;

[Collection(LiveJamCollection.Name)]
public sealed class ProposalTests(JamServerFixture jam)
{
    private static async Task AssertRefusedAsync(string code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<HubException>(call);
        Assert.StartsWith(code + ": ", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thread_becomes_one_proposal_listed_with_its_room_thread_author_and_support()
    {
        await using var ann = await jam.ConnectAsync();
        var thread = await ann.PostAsync("oceans", "Sensors on every reef");
        var clientId = JamClient.NewId();

        var made = await ann.ProposeAsync("oceans", thread.PostId, "Reef sensors", clientId);
        var resent = await ann.ProposeAsync("oceans", thread.PostId, "Reef sensors", clientId);

        Assert.Equal(made.ProposalId, resent.ProposalId);
        using var http = jam.Server.As(ann.Who);
        var listed = await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals?roomId=oceans").Timely();
        var proposal = Assert.Single(listed!, p => p.ProposalId == made.ProposalId);
        Assert.Equal(("oceans", thread.PostId, "Reef sensors", ann.Who.ParticipantId, ann.Who.Name, 0L),
            (proposal.RoomId, proposal.ThreadId, proposal.Title, proposal.AuthorId, proposal.AuthorName, proposal.Support));
        var everywhere = await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals").Timely();
        Assert.Contains(everywhere!, p => p.ProposalId == made.ProposalId);
        Assert.DoesNotContain((await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals?roomId=water").Timely())!, p => p.ProposalId == made.ProposalId);
        var stored = await EventLog.ReadAsync(jam.Server.JamId, made.ProposalId, "proposal_made");
        Assert.Single(stored);
    }

    [Fact]
    public async Task A_second_proposal_for_a_thread_a_reply_an_unknown_thread_and_bad_fields_are_refused()
    {
        await using var ann = await jam.ConnectAsync();
        await using var bo = await jam.ConnectAsync();
        var thread = await ann.PostAsync("water", "Rain gardens");
        var reply = await bo.PostAsync("water", "Yes, and on schools", parentId: thread.PostId);
        await ann.ProposeAsync("water", thread.PostId, "Rain gardens");

        await AssertRefusedAsync("ALREADY_PROPOSED", () => bo.ProposeAsync("water", thread.PostId, "Mine too"));
        await AssertRefusedAsync("NOT_FOUND", () => bo.ProposeAsync("water", reply.PostId, "A reply"));
        var other = await bo.PostAsync("water", "Green roofs");
        await AssertRefusedAsync("NOT_FOUND", () => bo.ProposeAsync("oceans", other.PostId, "Wrong room"));
        await AssertRefusedAsync("NOT_FOUND", () => bo.ProposeAsync("water", "no-such-thread", "Nothing"));
        await AssertRefusedAsync("INVALID_INPUT", () => bo.ProposeAsync("water", thread.PostId, new string('x', ProposeIdea.MaxTitleLength + 1)));
        await AssertRefusedAsync("INVALID_INPUT", () => bo.Connection.InvokeAsync<ProposeAck>("ProposeIdea", new ProposeRequest("water", thread.PostId, "T", "", "c")));

        using var http = jam.Server.As(bo.Who);
        var listed = await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals?roomId=water").Timely();
        Assert.Single(listed!, p => p.ThreadId == thread.PostId);
        await BadInputTests.AssertErrorAsync(() => http.GetAsync("api/proposals?roomId=nowhere"), HttpStatusCode.NotFound, "NOT_FOUND");
        using var anonymous = jam.Server.As();
        await BadInputTests.AssertErrorAsync(() => anonymous.GetAsync("api/proposals"), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task A_moderator_merges_duplicates_with_a_reason_and_participants_may_not()
    {
        var source = await jam.ProposeAsync("energy-grids", "Home batteries");
        var target = await jam.ProposeAsync("energy-grids", "Batteries at home");
        await using var participant = await jam.ConnectAsync();
        await using var moderator = await jam.ConnectAsync("moderator");

        await AssertRefusedAsync("FORBIDDEN", () => participant.MergeAsync(source, target));
        await AssertRefusedAsync("INVALID_INPUT", () => moderator.MergeAsync(source, target, reason: " "));
        await AssertRefusedAsync("INVALID_INPUT", () => moderator.MergeAsync(source, source));
        await AssertRefusedAsync("NOT_FOUND", () => moderator.MergeAsync(source, "prop-nothing"));

        var merged = await moderator.MergeAsync(source, target, "Same idea, same room");
        Assert.Equal((source, target), (merged.ProposalId, merged.MergedInto));
        await AssertRefusedAsync("NOT_FOUND", () => moderator.MergeAsync(source, target));
        await AssertRefusedAsync("NOT_FOUND", () => moderator.MergeAsync(target, source));

        var fact = Assert.Single(await EventLog.ReadAsync(jam.Server.JamId, source, "proposal_merged"));
        Assert.Equal((target, moderator.Who.ParticipantId, "Same idea, same room"), (fact.Text("TargetId"), fact.Text("MergedBy"), fact.Text("Reason")));
        using var http = jam.Server.As(participant.Who);
        var listed = await http.GetFromJsonAsync<List<ProposalDto>>("api/proposals?roomId=energy-grids").Timely();
        Assert.DoesNotContain(listed!, p => p.ProposalId == source);
        Assert.Equal([source], Assert.Single(listed!, p => p.ProposalId == target).MergedFrom);
    }

    [Fact]
    public async Task Votes_are_rate_limited_per_participant_and_the_connection_stays_usable()
    {
        var proposal = await jam.ProposeAsync("wellbeing", "Walking meetings");
        await using var ann = await jam.ConnectAsync();
        var codes = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => ann.VoteAsync(proposal));
            codes.Add(refused.Message.Split(':')[0]);
        }

        // The burst (30) is taken by calls refused for the phase; then the bucket is empty.
        Assert.Equal(Enumerable.Repeat("PHASE_CLOSED", 30), codes.Take(30));
        Assert.Contains("RATE_LIMITED", codes.Skip(30));
        Assert.True((await ann.PostAsync("wellbeing", "Still here")).Seq > 0);
    }

    [Fact]
    public async Task Before_voting_votes_are_refused_and_only_executives_and_organizers_see_the_provisional_shortlist()
    {
        var proposal = await jam.ProposeAsync("wellbeing", "Quiet rooms");
        await using var ann = await jam.ConnectAsync();

        await AssertRefusedAsync("PHASE_CLOSED", () => ann.VoteAsync(proposal));
        await AssertRefusedAsync("PHASE_CLOSED", () => ann.UnvoteAsync(proposal));

        using var participant = jam.Server.As(ann.Who);
        await BadInputTests.AssertErrorAsync(() => participant.GetAsync("api/shortlist"), HttpStatusCode.Forbidden, "FORBIDDEN");
        await BadInputTests.AssertErrorAsync(() => participant.GetAsync("api/shortlist.csv"), HttpStatusCode.Forbidden, "FORBIDDEN");
        using var executive = jam.Server.As(await jam.SignInAsync("executive"));
        var shortlist = await executive.GetFromJsonAsync<JamServer.Voting.ShortlistDto>("api/shortlist").Timely();
        Assert.Equal("provisional", shortlist!.Status);
        Assert.Null(shortlist.Digest);
        Assert.True(shortlist.Proposals.Count <= 10);
        var votes = await participant.GetFromJsonAsync<JamServer.Voting.MyVotesDto>("api/me/votes").Timely();
        Assert.Equal((10, 10, 0), (votes!.Budget, votes.Remaining, votes.Proposals.Count));
    }
}
