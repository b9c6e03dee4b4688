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

    /// <summary>
    /// SignalR's Redis backplane under the hub. Nothing needs it (messages between nodes go over the room fan-out's
    /// Redis channel), and it costs a Redis channel per connection, so it is off; on only to measure that cost.
    /// </summary>
    public bool SignalRBackplane { get; set; }

    /// <summary>
    /// Origins (scheme://host[:port]) whose pages may open the hub besides the server's own; a browser sends its page's
    /// origin with every WebSocket, so a page elsewhere cannot use a signed-in visitor's token (cross-site WebSocket
    /// hijacking). Clients that send no Origin (apps, load tools) are not browsers and are let through.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The port on which /metrics answers (one of the ports in ASPNETCORE_URLS that the load balancer does not route);
    /// unset, /metrics answers on every port, and the load balancer must keep it from the public.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>The room fan-out sends at most once per tick, gathering each room's posts into one frame; 0 sends each backlog at once.</summary>
    public int FanoutTickMs { get; set; } = 25;

    /// <summary>The most posts one transaction of the post writer takes.</summary>
    public int PostBatchMax { get; set; } = 256;

    public int PostsPerSecond { get; set; } = 5;

    /// <summary>Votes and retractions per participant: a bucket refilled this many a second, holding up to the burst.</summary>
    public int VotesPerSecond { get; set; } = 10;

    public int VoteBurst { get; set; } = 30;

    /// <summary>A participant's bucket of flags: a few a minute on average, a handful at once.</summary>
    public int FlagsPerSecond { get; set; } = 1;

    public int FlagBurst { get; set; } = 10;

    /// <summary>A participant's bucket of JoinRoom calls: a reconnect rejoins every room at once.</summary>
    public int JoinsPerSecond { get; set; } = 5;

    public int JoinBurst { get; set; } = 30;

    public const int DefaultVoteBudget = 10;
    public const int DefaultShortlistSize = 10;

    /// <summary>Votes each participant may cast; like the lengths, it counts only when the jam is first created.</summary>
    public int VoteBudget { get; set; } = DefaultVoteBudget;

    /// <summary>How many proposals the shortlist holds; set when the jam is first created.</summary>
    public int ShortlistSize { get; set; } = DefaultShortlistSize;

    /// <summary>Transactions the post writer and the ballot writer each keep in flight at once (by room, by voter).</summary>
    public int WriterPartitions { get; set; } = 4;

    /// <summary>The most votes and retractions one transaction of the ballot writer takes.</summary>
    public int VoteBatchMax { get; set; } = 512;

    public int PostBurst { get; set; } = 20;

    /// <summary>
    /// Hub connections one participant may hold open at once, on all nodes together (tabs, devices); more are refused
    /// with 429 TOO_MANY_CONNECTIONS before the WebSocket opens.
    /// </summary>
    public int MaxConnectionsPerParticipant { get; set; } = 20;

    /// <summary>
    /// How long a RATE_LIMITED answer waits before it is sent. A connection's calls run one at a time, so its later
    /// calls wait behind it: a client that ignores the retry time slows only itself, at no cost to the server.
    /// </summary>
    public TimeSpan RateLimitedAnswerDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// On SIGTERM the node stops taking new hub connections and closes its open ones spread over this window (each at
    /// a random moment in it), so that they reconnect to the other nodes a few at a time; then it stops. 0 closes them
    /// all at once.
    /// </summary>
    public TimeSpan DrainTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A node whose heartbeat in Redis is older than this is taken for dead, and any node takes its presence back.
    /// Each node beats every third of it.
    /// </summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fault-injection hooks for the integration tests; never set in production (see docs/reliability.md).</summary>
    public JamTestingOptions Testing { get; set; } = new();

    public bool IsValid(out string problem)
    {
        problem = (PostBatchMax, PostsPerSecond, PostBurst, FanoutTickMs, DiscussionLength, VotingLength) switch
        {
            ( < 1, _, _, _, _, _) => "Jam:PostBatchMax must be at least 1",
            (_, < 1, _, _, _, _) => "Jam:PostsPerSecond must be at least 1",
            (_, _, < 1, _, _, _) => "Jam:PostBurst must be at least 1",
            (_, _, _, < 0 or > 1000, _, _) => "Jam:FanoutTickMs must be between 0 and 1000",
            _ when VoteBudget is < 1 or > 1000 => "Jam:VoteBudget must be between 1 and 1000",
            _ when ShortlistSize is < 1 or > 1000 => "Jam:ShortlistSize must be between 1 and 1000",
            _ when VoteBatchMax < 1 => "Jam:VoteBatchMax must be at least 1",
            _ when VotesPerSecond < 1 || VoteBurst < 1 => "Jam:VotesPerSecond and Jam:VoteBurst must be at least 1",
            _ when RateLimitedAnswerDelay < TimeSpan.Zero || RateLimitedAnswerDelay > TimeSpan.FromSeconds(5) =>
                "Jam:RateLimitedAnswerDelay must be between 0 and 5 seconds",
            _ when FlagsPerSecond < 1 || FlagBurst < 1 || JoinsPerSecond < 1 || JoinBurst < 1 =>
                "Jam:FlagsPerSecond, Jam:FlagBurst, Jam:JoinsPerSecond and Jam:JoinBurst must be at least 1",
            _ when WriterPartitions is < 1 or > 64 => "Jam:WriterPartitions must be between 1 and 64",
            _ when MetricsPort is < 1 or > 65535 => "Jam:MetricsPort must be a port number (1-65535)",
            _ when MaxConnectionsPerParticipant < 1 => "Jam:MaxConnectionsPerParticipant must be at least 1",
            _ when DrainTime < TimeSpan.Zero || DrainTime > TimeSpan.FromMinutes(10) => "Jam:DrainTime must be between 0 and 10 minutes",
            _ when NodeTimeout < TimeSpan.FromSeconds(3) || NodeTimeout > TimeSpan.FromMinutes(10) =>
                "Jam:NodeTimeout must be between 3 seconds and 10 minutes",
            _ when Testing.CountDelay < TimeSpan.Zero => "Jam:Testing:CountDelay cannot be negative",
            _ when Testing.RebuildDelay < TimeSpan.Zero => "Jam:Testing:RebuildDelay cannot be negative",
            _ when DiscussionLength <= TimeSpan.Zero || VotingLength <= TimeSpan.Zero => "phase lengths must be positive",
            _ when string.IsNullOrWhiteSpace(JamId) || string.IsNullOrWhiteSpace(NodeId) => "Jam:JamId and Jam:NodeId are required",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>The "Jam:Testing" section: hooks that make a fault land at a known moment in a test. All off by default.</summary>
public sealed class JamTestingOptions
{
    /// <summary>
    /// How long the closing count waits after counting, inside its lock and before publishing, so that a test can
    /// kill the node in the middle of it. Zero (off) unless a test sets it.
    /// </summary>
    public TimeSpan CountDelay { get; set; }

    /// <summary>
    /// How long a rebuild of the live ranking waits after its replay, before it marks the ranking complete, so that a
    /// test can restart Redis in between. Zero (off) unless a test sets it.
    /// </summary>
    public TimeSpan RebuildDelay { get; set; }
}

/// <summary>Settings out of range stop the server at start, with what is wrong.</summary>
public sealed class JamOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<JamOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, JamOptions options) =>
        options.IsValid(out var problem)
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem);
}
