using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Discussion;

[Collection(LiveJamCollection.Name)]
public sealed class LiveDiscussionTests(JamServerFixture jam)
{
    [Fact]
    public async Task Two_participants_in_one_room_see_each_others_posts_live_in_order()
    {
        await using var ann = await jam.ConnectAsync();
        await using var bo = await jam.ConnectAsync();
        var start = (await ann.JoinAsync("water")).LastSeq;
        await bo.JoinAsync("water", start);

        var acks = new List<long>();
        foreach (var body in new[] { "Rain gardens on every roof", "Leak sensors in every pipe", "Grey water for toilets" })
        {
            acks.Add((await ann.PostAsync("water", body)).Seq);
        }

        var last = await bo.WaitForPostAsync(p => p.Seq == acks[^1]);
        var seen = bo.Posts.Where(p => p.Seq > start).Select(p => p.Body).ToList();
        Assert.Equal(["Rain gardens on every roof", "Leak sensors in every pipe", "Grey water for toilets"], seen);
        Assert.Equal(ann.Who.ParticipantId, last.AuthorId);
        Assert.Equal(ann.Who.Name, last.AuthorName);

        var reply = await bo.PostAsync("water", "Which city tried this first?", parentId: bo.Posts.First(p => p.Seq == acks[0]).PostId);
        var received = await ann.WaitForPostAsync(p => p.PostId == reply.PostId);
        var root = ann.Posts.First(p => p.Seq == acks[0]);
        Assert.Equal((root.PostId, root.PostId, 1), (received.ThreadId, received.ParentId, received.Depth));
        Assert.Equal(bo.Who.ParticipantId, received.AuthorId);
    }

    [Fact]
    public async Task A_reconnecting_client_gets_exactly_the_posts_it_missed_in_order_then_the_live_stream()
    {
        await using var ann = await jam.ConnectAsync();
        var bo = await jam.ConnectAsync();
        var held = (await bo.JoinAsync("energy-grids")).LastSeq;
        await ann.JoinAsync("energy-grids", held);
        await bo.DisposeAsync();

        var missed = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            missed.Add((await ann.PostAsync("energy-grids", $"Missed while away #{i}")).PostId);
        }

        await using var back = await JamClient.ConnectAsync(jam.Server.BaseAddress, bo.Who);
        var caughtUp = await back.JoinAsync("energy-grids", held);

        Assert.Equal(missed, caughtUp.Posts.Select(p => p.PostId));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => held + i), caughtUp.Posts.Select(p => p.Seq));
        Assert.Equal(held + 5, caughtUp.LastSeq);
        Assert.False(caughtUp.HasMore);

        var live = await ann.PostAsync("energy-grids", "Back online");
        Assert.Equal(held + 6, (await back.WaitForPostAsync(p => p.PostId == live.PostId)).Seq);
    }

    [Fact]
    public async Task A_post_sent_again_with_the_same_client_id_is_stored_and_broadcast_once()
    {
        await using var ann = await jam.ConnectAsync();
        await using var bo = await jam.ConnectAsync();
        var start = (await bo.JoinAsync("mobility")).LastSeq;
        var clientId = JamClient.NewId();

        var first = await ann.PostAsync("mobility", "Bikes on trains", clientId: clientId);
        var again = await ann.PostAsync("mobility", "Bikes on trains", clientId: clientId);
        var tabs = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => JamClient.ConnectAsync(jam.Server.BaseAddress, ann.Who)));
        var fresh = JamClient.NewId();
        var racing = await Task.WhenAll(tabs.Select(tab => tab.PostAsync("mobility", "Bikes on trains", clientId: clientId)));
        var racingFresh = await Task.WhenAll(tabs.Select(tab => tab.PostAsync("mobility", "Buses on demand", clientId: fresh)));
        foreach (var tab in tabs)
        {
            await tab.DisposeAsync();
        }

        var sentinel = await ann.PostAsync("mobility", "Sentinel");

        Assert.Equal(first, again);
        Assert.All(racing, ack => Assert.Equal(first, ack));
        Assert.Single(racingFresh.Distinct());
        Assert.Equal(first.Seq + 1, racingFresh[0].Seq);
        Assert.Equal(first.Seq + 2, sentinel.Seq);
        await bo.WaitForPostAsync(p => p.PostId == sentinel.PostId);
        Assert.Single(bo.Posts, p => p.PostId == first.PostId);
        Assert.Single(bo.Posts, p => p.PostId == racingFresh[0].PostId);
        Assert.Equal([first.Seq, first.Seq + 1, sentinel.Seq], bo.Posts.Where(p => p.Seq > start).Select(p => p.Seq));
    }

    [Fact]
    public async Task Concurrent_posts_from_many_participants_get_unique_gapless_sequence_numbers()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => jam.ConnectAsync()));
        try
        {
            var start = (await clients[0].JoinAsync("supply-chains")).LastSeq;

            var acks = await Task.WhenAll(clients.SelectMany((c, i) =>
                Enumerable.Range(0, 10).Select(n => c.PostAsync("supply-chains", $"Idea {i}.{n}"))));

            Assert.Equal(Enumerable.Range(1, 50).Select(i => start + i), acks.Select(a => a.Seq).Order());
            Assert.Equal(50, acks.Select(a => a.PostId).Distinct().Count());
            await clients[0].WaitForPostAsync(p => p.Seq == start + 50);
            Assert.Equal(Enumerable.Range(1, 50).Select(i => start + i), clients[0].Posts.Select(p => p.Seq));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Posts_look_the_same_over_MessagePack_and_json()
    {
        await using var packed = await jam.ConnectAsync(wire: Wire.MessagePack);
        await using var plain = await jam.ConnectAsync(wire: Wire.Json);
        var start = (await packed.JoinAsync("robotics")).LastSeq;
        await plain.JoinAsync("robotics", start);

        var ack = await packed.PostAsync("robotics", "Cobots for small workshops ✓ — ünïcode");
        var overPack = await packed.WaitForPostAsync(p => p.PostId == ack.PostId);
        var overJson = await plain.WaitForPostAsync(p => p.PostId == ack.PostId);

        Assert.Equal(overJson with { CreatedAt = default }, overPack with { CreatedAt = default });
        Assert.Equal(overJson.CreatedAt.ToUniversalTime(), overPack.CreatedAt.ToUniversalTime());
        var rejoined = await packed.JoinAsync("robotics", start);
        Assert.Equal(ack.PostId, Assert.Single(rejoined.Posts).PostId);
    }
}
