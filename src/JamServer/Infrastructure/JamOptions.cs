namespace JamServer.Infrastructure;

/// <summary>The "Jam" configuration section.</summary>
public sealed class JamOptions
{
    public const string Section = "Jam";

    /// <summary>The jam this server runs; also names its PostgreSQL schema and Redis prefix.</summary>
    public string JamId { get; set; } = "demo-jam";

    /// <summary>Demo mode turns on demo sign-in and starts the jam in Discussion straight away.</summary>
    public bool DemoMode { get; set; }

    /// <summary>The jam definition (title, topics) used the first time the jam is created.</summary>
    public string DefinitionFile { get; set; } = "Seed/demo-jam.json";

    public TimeSpan DiscussionLength { get; set; } = TimeSpan.FromHours(72);

    public TimeSpan VotingLength { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Outside demo mode the jam waits in Scheduled until this moment; unset, Discussion starts when the jam is created.
    /// Like the lengths, it counts only when the jam is first created.
    /// </summary>
    public DateTimeOffset? DiscussionStartsAt { get; set; }

    /// <summary>Identifies this node's presence records so a restarted node can clear its stale ones.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>SignalR's Redis backplane; off only to measure what it costs (one node, no cross-node delivery).</summary>
    public bool RedisBackplane { get; set; } = true;

    /// <summary>How long the room fan-out gathers posts into one frame per room; 0 pushes each tick's backlog at once.</summary>
    public int FanoutTickMs { get; set; } = 25;

    /// <summary>The most posts one transaction of the post writer takes.</summary>
    public int PostBatchMax { get; set; } = 256;

    public int PostsPerSecond { get; set; } = 5;

    public int PostBurst { get; set; } = 20;
}
