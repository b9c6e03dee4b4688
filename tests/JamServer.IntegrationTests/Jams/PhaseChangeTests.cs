using System.Net;
using System.Net.Http.Json;
using JamServer.IntegrationTests.Discussion;
using JamServer.IntegrationTests.Support;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.IntegrationTests.Jams;

/// <summary>A jam of its own, since these tests move its phase for good.</summary>
public sealed class PhaseChangeFixture : JamServerFixture;

[CollectionDefinition(Name)]
public sealed class PhaseChangeCollection : ICollectionFixture<PhaseChangeFixture>
{
    public const string Name = "A jam an organizer moves by hand";
}

[Collection(PhaseChangeCollection.Name)]
public sealed class PhaseChangeTests(PhaseChangeFixture jam)
{
    [Fact]
    public async Task An_organizer_moves_the_jam_forward_only_every_client_hears_it_and_a_closed_jam_takes_no_posts()
    {
        var organizer = await jam.SignInAsync("organizer");
        using var asOrganizer = jam.Server.As(organizer);
        using var asParticipant = jam.Server.As(await jam.SignInAsync("participant"));
        using var anonymous = jam.Server.As();
        await using var ann = await jam.ConnectAsync(wire: Wire.MessagePack);
        await using var bo = await jam.ConnectAsync();
        await ann.JoinAsync("oceans");

        await BadInputTests.AssertErrorAsync(() => asParticipant.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }), HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).StatusCode);
        await BadInputTests.AssertErrorAsync(() => asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Finished" }), HttpStatusCode.BadRequest, "INVALID_INPUT");
        await BadInputTests.AssertErrorAsync(() => asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Scheduled" }), HttpStatusCode.Conflict, "PHASE_ORDER");
        await BadInputTests.AssertErrorAsync(() => asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Discussion" }), HttpStatusCode.Conflict, "PHASE_ORDER");

        var moved = await asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely();
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var voting = await ann.WaitForPhaseAsync(j => j.Phase == "Voting");
        await bo.WaitForPhaseAsync(j => j.Phase == "Voting");
        Assert.Equal(jam.Server.JamId, voting.Id);
        Assert.NotNull(voting.PhaseEndsAt);
        await BadInputTests.AssertErrorAsync(() => asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }), HttpStatusCode.Conflict, "PHASE_ORDER");
        Assert.True((await ann.PostAsync("oceans", "Discussion goes on while we vote")).Seq > 0);

        Assert.Equal(HttpStatusCode.OK, (await asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "closed" }).Timely()).StatusCode);
        await bo.WaitForPhaseAsync(j => j.Phase == "Closed");
        var closed = await ann.WaitForPhaseAsync(j => j.Phase == "Closed");
        Assert.Null(closed.PhaseEndsAt);

        var before = (await ann.JoinAsync("oceans")).LastSeq;
        var refused = await Assert.ThrowsAsync<HubException>(() => ann.PostAsync("oceans", "Too late"));
        Assert.StartsWith("PHASE_CLOSED: ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await ann.JoinAsync("oceans", 0)).LastSeq);
        Assert.Equal(["Voting", "Closed"], bo.Phases.Select(p => p.Phase));
        var info = await anonymous.GetFromJsonAsync<Dictionary<string, object?>>("api/jam").Timely();
        Assert.Equal("Closed", info!["phase"]?.ToString());
    }
}
