using System.Net.Http.Json;

using JamServer.IntegrationTests.Identity;

namespace JamServer.IntegrationTests.Support;

/// <summary>One server process (and one fresh jam) shared by a whole test collection; tests isolate by fresh ids.</summary>
public class JamServerFixture : IAsyncLifetime
{
    public JamServerFixture()
        : this(new Dictionary<string, string> { ["Jam__AllowedOrigins__0"] = OriginTests.AllowedElsewhere })
    {
    }

    protected JamServerFixture(IDictionary<string, string> settings)
    {
        Server = new ServerProcess("t" + JamClient.NewId()[..10], settings);
    }

    public ServerProcess Server { get; }

    public HttpClient Anonymous => Server.As();

    public async Task<SignedIn> SignInAsync(string role = "participant", string kind = "employee")
    {
        using var http = Server.As();
        return await http.SignInAsync(role, kind);
    }

    public async Task<JamClient> ConnectAsync(
        string role = "participant", Wire wire = Wire.Json, string kind = "employee", bool acceptGuidelines = true) =>
        await JamClient.ConnectAsync(Server.BaseAddress, await SignInAsync(role, kind), wire, acceptGuidelines);

    /// <summary>A new thread in the room, turned into a proposal; its id.</summary>
    public async Task<string> ProposeAsync(string roomId, string title)
    {
        await using var author = await ConnectAsync();
        var thread = await author.PostAsync(roomId, "Idea: " + title);
        return (await author.ProposeAsync(roomId, thread.PostId, title)).ProposalId;
    }

    /// <summary>Moves the jam to the phase as an organizer.</summary>
    public async Task MoveToAsync(string phase)
    {
        using var http = Server.As(await SignInAsync("organizer"));
        (await http.PostAsJsonAsync("api/jam/phase", new { phase }).Timely()).EnsureSuccessStatusCode();
    }

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class LiveJamCollection : ICollectionFixture<JamServerFixture>
{
    public const string Name = "A live jam in Discussion";
}
