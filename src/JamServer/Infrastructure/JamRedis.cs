using JamServer.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using StackExchange.Redis;

namespace JamServer.Infrastructure;

public static class JamRedis
{
    /// <summary>
    /// Redis for presence, the live ranking and the messages between nodes. SignalR's own backplane, when asked for
    /// (only to measure it), is on its own connection, which it owns and disposes. Both reconnect by themselves.
    /// </summary>
    public static WebApplicationBuilder AddJamRedis(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Redis")
            ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set.");
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        var jam = builder.Configuration.GetSection(JamOptions.Section).Get<JamOptions>() ?? new JamOptions();

        var multiplexer = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration));
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => multiplexer.Value);
        var signalR = builder.Services.AddSignalR().AddMessagePackProtocol();
        if (jam.SignalRBackplane)
        {
            signalR.AddStackExchangeRedis(connectionString, redis =>
            {
                redis.Configuration.AbortOnConnectFail = false;
                redis.Configuration.ChannelPrefix = RedisChannel.Literal($"jam:{jam.JamId}:signalr");
            });
        }

        // The room fan-out writes to connections directly, so it needs to know them: track what the manager sees.
        builder.Services.AddSingleton<LocalConnections>();
        builder.Services.AddSingleton<HubLifetimeManager<JamHub>>(services => new TrackingLifetimeManager(
            jam.SignalRBackplane
                ? ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<JamHub>>(services)
                : ActivatorUtilities.CreateInstance<DefaultHubLifetimeManager<JamHub>>(services),
            services.GetRequiredService<LocalConnections>()));
        return builder;
    }
}
