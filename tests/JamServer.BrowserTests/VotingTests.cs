using System.Net.Http.Json;
using JamServer.BrowserTests.Support;
using JamServer.IntegrationTests.Support;
using JamServer.Voting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JamServer.BrowserTests;

/// <summary>A jam of its own, since these tests move it to Voting and close it; a budget of three votes.</summary>
public sealed class ClosingJamFixture() : BrowserFixture(new Dictionary<string, string> { ["Jam__VoteBudget"] = "3" });

[CollectionDefinition(Name)]
public sealed class ClosingJamCollection : ICollectionFixture<ClosingJamFixture>
{
    public const string Name = "A jam that votes and closes, in a browser";
}

[Collection(ClosingJamCollection.Name)]
public sealed class VotingTests(ClosingJamFixture jam) : PageTests(jam)
{
    [Fact]
    public Task A_participant_votes_until_the_budget_is_spent_and_the_executive_shortlist_matches_the_votes_cast() =>
        RunAsync(async () =>
        {
            // Four proposals from threads, made through the hub as any client would.
            var titles = new[] { "Solar canopies", "Shared bikes", "Night buses", "Quiet rooms" };
            var ids = new Dictionary<string, string>();
            await using (var author = await JamClient.ConnectAsync(Jam.Server.BaseAddress, await Jam.Server.As().SignInAsync()))
            {
                foreach (var title in titles)
                {
                    var thread = await author.PostAsync("mobility", "Idea: " + title);
                    ids[title] = (await author.ProposeAsync("mobility", thread.PostId, title)).ProposalId;
                }
            }

            var organizer = await SignInAsync("organizer");
            await organizer.Page.GotoAsync("/#/organize");
            await organizer.Page.GetByRole(AriaRole.Button, new() { Name = "Move to Voting" }).ClickAsync();
            await Expect(organizer.Page.Locator("#phase")).ToHaveTextAsync("Voting phase");

            var voter = await SignInAsync();
            await voter.Page.GotoAsync("/#/vote");
            await Expect(voter.Page.Locator("#budget")).ToHaveTextAsync("You have 3 of 3 votes left.");
            foreach (var title in titles[..3])
            {
                await voter.Page.Locator(".proposal", new() { HasTextString = title }).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true }).ClickAsync();
                await Expect(voter.Page.Locator(".proposal", new() { HasTextString = title })).ToContainTextAsync("your vote");
            }

            await Expect(voter.Page.Locator("#budget")).ToHaveTextAsync("You have 0 of 3 votes left.");
            await voter.Page.Locator(".proposal", new() { HasTextString = titles[3] }).GetByRole(AriaRole.Button, new() { Name = "Vote", Exact = true }).ClickAsync();
            await Expect(voter.Page.Locator("#toast")).ToHaveAttributeAsync("data-code", "BUDGET_EXCEEDED");
            await BrowserTest.AssertAccessibleAsync(voter.Page, "the ballot in Voting");

            // A second voter, through the hub, so the counts differ: Solar canopies 2, Shared bikes 1, Night buses 1.
            await using (var second = await JamClient.ConnectAsync(Jam.Server.BaseAddress, await Jam.Server.As().SignInAsync()))
            {
                await second.VoteAsync(ids["Solar canopies"]);
            }

            await organizer.Page.GotoAsync("/#/organize");
            await organizer.Page.GetByRole(AriaRole.Button, new() { Name = "Move to Closed" }).ClickAsync();
            await Expect(organizer.Page.Locator("#phase")).ToHaveTextAsync("Closed");

            var executive = await SignInAsync("executive");
            await executive.Page.GotoAsync("/#/shortlist");
            await Expect(executive.Page.Locator("#shortlist-status")).ToHaveAttributeAsync("data-status", "final", new() { Timeout = 30_000 });
            using var http = Jam.Server.As(await Jam.Server.As().SignInAsync("executive"));
            var published = await http.GetFromJsonAsync<ShortlistDto>("api/shortlist").Timely();
            var rows = executive.Page.Locator("#shortlist tbody tr");
            await Expect(rows).ToHaveCountAsync(published!.Proposals.Count);
            foreach (var proposal in published.Proposals)
            {
                var row = executive.Page.Locator($"#shortlist tbody tr[data-proposal='{proposal.ProposalId}']");
                await Expect(row.Locator(".votes")).ToHaveTextAsync(proposal.Votes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.Equal(2, published.Proposals.Single(p => p.ProposalId == ids["Solar canopies"]).Votes);
            Assert.Equal(1, published.Proposals.Single(p => p.ProposalId == ids["Night buses"]).Votes);
            await Expect(executive.Page.Locator("#shortlist-status")).ToContainTextAsync(published.Digest!);

            await voter.Page.GotoAsync("/#/vote");
            await Expect(voter.Page.Locator("#receipt")).ToContainTextAsync("Status: final");
            await BrowserTest.AssertAccessibleAsync(voter.Page, "the receipt after the close");
        });
}
