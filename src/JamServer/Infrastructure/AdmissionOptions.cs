using Microsoft.Extensions.Options;

namespace JamServer.Infrastructure;

/// <summary>
/// The "Jam:Admission" section: how fast this node lets new hub connections in, and how many JoinRoom catch-ups it
/// reads from PostgreSQL at once. A reconnect storm (every client of a restarted node, or of a network blip) is let in
/// at this pace; the rest are told when to come back.
/// </summary>
public sealed class AdmissionOptions
{
    public const string Section = "Jam:Admission";

    /// <summary>New hub connections (negotiations, WebSockets opened without one) admitted a second, on this node.</summary>
    public int ConnectsPerSecond { get; set; } = 1000;

    /// <summary>New connections admitted at once before the pace applies.</summary>
    public int ConnectBurst { get; set; } = 1000;

    /// <summary>New connections that wait for the next admission rather than being refused at once.</summary>
    public int ConnectQueue { get; set; } = 100;

    /// <summary>
    /// New connections one participant may start a second, after a burst of <see cref="ParticipantConnectBurst"/>: so
    /// that one account (a script holding a valid token) cannot spend the node's pace and keep everyone else out.
    /// </summary>
    public int ParticipantConnectsPerSecond { get; set; } = 5;

    /// <summary>New connections one participant may start at once: every tab (at most 20) coming back together, and some.</summary>
    public int ParticipantConnectBurst { get; set; } = 30;

    /// <summary>Longest Retry-After the server hands out, in seconds, however long the line.</summary>
    public int MaxRetryAfterSeconds { get; set; } = 30;

    /// <summary>JoinRoom calls that read their catch-up from PostgreSQL at once, on this node.</summary>
    public int CatchUpConcurrency { get; set; } = 16;

    /// <summary>
    /// JoinRoom calls that wait for a catch-up slot; one more is refused with UNAVAILABLE. A connection runs one call at
    /// a time, so a line as long as a node's connections never refuses: it only bounds the wait.
    /// </summary>
    public int CatchUpQueue { get; set; } = 20_000;

    /// <summary>
    /// While more JoinRoom calls than this wait for a catch-up slot, new connections are refused like those beyond the
    /// pace: their joins would only wait in the same line (seconds to tens of seconds of a node's catch-ups).
    /// </summary>
    public int ShedWhileCatchUpsWaiting { get; set; } = 5000;

    /// <summary>
    /// Connections the kernel holds for the server before it accepts them (Kestrel's default is 512). A storm's
    /// connections beyond it have their SYN dropped and retried by TCP a second or more later; the kernel caps it at
    /// net.core.somaxconn.
    /// </summary>
    public int AcceptBacklog { get; set; } = 4096;

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { ConnectsPerSecond: < 1 } or { ConnectBurst: < 1 } => "Jam:Admission:ConnectsPerSecond and ConnectBurst must be at least 1",
            { ParticipantConnectsPerSecond: < 1 } or { ParticipantConnectBurst: < 1 } =>
                "Jam:Admission:ParticipantConnectsPerSecond and ParticipantConnectBurst must be at least 1",
            { ConnectQueue: < 0 } or { CatchUpQueue: < 0 } or { ShedWhileCatchUpsWaiting: < 0 } =>
                "Jam:Admission:ConnectQueue, CatchUpQueue and ShedWhileCatchUpsWaiting cannot be negative",
            { CatchUpConcurrency: < 1 } => "Jam:Admission:CatchUpConcurrency must be at least 1",
            { AcceptBacklog: < 1 } => "Jam:Admission:AcceptBacklog must be at least 1",
            { MaxRetryAfterSeconds: < 1 or > 3600 } => "Jam:Admission:MaxRetryAfterSeconds must be between 1 and 3600",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>Admission settings out of range stop the server at start, with what is wrong.</summary>
public sealed class AdmissionOptionsValidation : IValidateOptions<AdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, AdmissionOptions options) =>
        options.IsValid(out var problem) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
}
