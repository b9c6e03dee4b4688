using JamServer.IntegrationTests.Identity;
using JamServer.IntegrationTests.Support;

namespace JamServer.BrowserTests.Support;

/// <summary>
/// A server outside demo mode whose browser users sign in at a test OpenID Connect provider in this process, on a
/// loopback port chosen before the server starts (the server is told it as Auth:Authority).
/// </summary>
public sealed class ProviderBrowserFixture : BrowserFixture
{
    private readonly int _providerPort;

    public ProviderBrowserFixture()
        : this(ServerProcess.FreePort())
    {
    }

    private ProviderBrowserFixture(int providerPort)
        : base(ProviderJamFixture.Settings($"http://127.0.0.1:{providerPort}"))
    {
        _providerPort = providerPort;
    }

    public TestProvider Provider { get; private set; } = null!;

    /// <summary>What the sign-in button says: the provider's host.</summary>
    public string SignInButton => $"Sign in with 127.0.0.1:{_providerPort}";

    public override async Task InitializeAsync()
    {
        Provider = await TestProvider.StartAsync(_providerPort);
        Provider.ClientId = ProviderJamFixture.ClientId;
        Provider.Audience = ProviderJamFixture.Audience;
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProviderBrowserCollection : ICollectionFixture<ProviderBrowserFixture>
{
    public const string Name = "A jam in a browser whose users sign in at an OpenID Connect provider";
}
