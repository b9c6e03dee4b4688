using StackExchange.Redis;

namespace JamServer.Infrastructure;

public static class JamRedis
{
    /// <summary>One Redis connection for presence and SignalR's backplane; it reconnects by itself.</summary>
    public static WebApplicationBuilder AddJamRedis(this WebApplicationBuilder builder)
    {
        var configuration = ConfigurationOptions.Parse(
            builder.Configuration.GetConnectionString("Redis")
            ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set."));
        configuration.AbortOnConnectFail = false;
        var jamId = builder.Configuration.GetSection(JamOptions.Section).Get<JamOptions>()?.JamId ?? new JamOptions().JamId;

        var multiplexer = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration));
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => multiplexer.Value);
        builder.Services.AddSignalR()
            .AddMessagePackProtocol()
            .AddStackExchangeRedis(redis =>
            {
                redis.Configuration.ChannelPrefix = RedisChannel.Literal($"jam:{jamId}:signalr");
                redis.ConnectionFactory = _ => Task.FromResult<IConnectionMultiplexer>(multiplexer.Value);
            });
        return builder;
    }
}
