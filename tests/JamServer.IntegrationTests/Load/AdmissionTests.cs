using System.Net;
using System.Net.Http.Json;
using JamServer.Infrastructure;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.Load;

/// <summary>Who spends a node's admission pace: only participants with a valid token, each within a bucket of its own.</summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class AdmissionTests
{
    [Fact]
    public async Task An_anonymous_flood_of_negotiations_is_refused_401_and_takes_nothing_from_the_pace_real_clients_need()
    {
        await using var server = new ServerProcess("a" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__Admission__ConnectsPerSecond"] = "1",
            ["Jam__Admission__ConnectBurst"] = "2",
            ["Jam__Admission__ConnectQueue"] = "0",
        });
        await server.StartAsync();
        using var anonymous = server.As();

        var flood = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(_ => anonymous.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null))).Timely();

        Assert.All(flood, answer => Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode));
        await using var first = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
        await using var second = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
    }

    [Fact]
    public async Task One_participant_starting_connections_too_fast_is_held_back_while_another_gets_in()
    {
        await using var server = new ServerProcess("a" + JamClient.NewId()[..10], new Dictionary<string, string>
        {
            ["Jam__Admission__ParticipantConnectsPerSecond"] = "1",
            ["Jam__Admission__ParticipantConnectBurst"] = "3",
        });
        await server.StartAsync();
        using var anonymous = server.As();
        using var greedy = server.As(await anonymous.SignInAsync());

        var answers = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => greedy.PostAsync("hubs/jam/negotiate?negotiateVersion=1", null))).Timely();

        Assert.InRange(answers.Count(a => a.StatusCode == HttpStatusCode.OK), 3, 4);
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(ErrorCodes.Unavailable, (await refused.Content.ReadFromJsonAsync<ErrorBody>().Timely())!.Code);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        await using var other = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
    }
}
