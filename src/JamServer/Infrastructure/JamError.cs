namespace JamServer.Infrastructure;

/// <summary>The stable error codes of the public contract (docs/protocol.md).</summary>
public static class ErrorCodes
{
    public const string InvalidInput = "INVALID_INPUT";
    public const string NotFound = "NOT_FOUND";
    public const string PhaseClosed = "PHASE_CLOSED";
    public const string PhaseOrder = "PHASE_ORDER";
    public const string Forbidden = "FORBIDDEN";
    public const string RateLimited = "RATE_LIMITED";
    public const string Unavailable = "UNAVAILABLE";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string Internal = "INTERNAL";
    public const string AlreadyProposed = "ALREADY_PROPOSED";
    public const string AlreadyVoted = "ALREADY_VOTED";
    public const string BudgetExceeded = "BUDGET_EXCEEDED";
    public const string GuidelinesNotAccepted = "GUIDELINES_NOT_ACCEPTED";
    public const string AlreadyFlagged = "ALREADY_FLAGGED";
    public const string AlreadyHidden = "ALREADY_HIDDEN";
    public const string NotHidden = "NOT_HIDDEN";
    public const string InviteExpired = "INVITE_EXPIRED";
    public const string InviteUsedUp = "INVITE_USED_UP";
    public const string TooManyConnections = "TOO_MANY_CONNECTIONS";
}

/// <summary>A rule said no. Thrown by decisions, mapped to a hub error or an HTTP status at the edge.</summary>
public sealed class JamException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public static JamException InvalidInput(string message) => new(ErrorCodes.InvalidInput, message);

    public static JamException NotFound(string message) => new(ErrorCodes.NotFound, message);

    public int HttpStatus => Code switch
    {
        ErrorCodes.InvalidInput => StatusCodes.Status400BadRequest,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.PhaseClosed or ErrorCodes.PhaseOrder or ErrorCodes.AlreadyProposed or ErrorCodes.AlreadyVoted
            or ErrorCodes.BudgetExceeded or ErrorCodes.GuidelinesNotAccepted or ErrorCodes.AlreadyFlagged
            or ErrorCodes.AlreadyHidden or ErrorCodes.NotHidden or ErrorCodes.InviteUsedUp => StatusCodes.Status409Conflict,
        ErrorCodes.InviteExpired => StatusCodes.Status410Gone,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status503ServiceUnavailable,
    };
}

/// <summary>The body of every HTTP error.</summary>
public sealed record ErrorBody(string Code, string Message);
