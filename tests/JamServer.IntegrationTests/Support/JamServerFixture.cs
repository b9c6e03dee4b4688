namespace JamServer.IntegrationTests.Support;

/// <summary>One server process (and one fresh jam) shared by a whole test collection; tests isolate by fresh ids.</summary>
public class JamServerFixture : IAsyncLifetime
{
    public JamServerFixture()
        : this(new Dictionary<string, string>())
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

    public async Task<JamClient> ConnectAsync(string role = "participant", Wire wire = Wire.Json) =>
        await JamClient.ConnectAsync(Server.BaseAddress, await SignInAsync(role), wire);

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class LiveJamCollection : ICollectionFixture<JamServerFixture>
{
    public const string Name = "A live jam in Discussion";
}
