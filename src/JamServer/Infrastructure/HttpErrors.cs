using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JamServer.Infrastructure;

/// <summary>Maps a refusal to its HTTP status with a body <c>{code, message}</c>; a malformed body is INVALID_INPUT.</summary>
public sealed class HttpErrors : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, body) = exception switch
        {
            JamException refused => (refused.HttpStatus, new ErrorBody(refused.Code, refused.Message)),
            BadHttpRequestException bad => (StatusCodes.Status400BadRequest, new ErrorBody(ErrorCodes.InvalidInput, bad.Message)),
            _ when Resilience.IsTransient(exception) =>
                (StatusCodes.Status503ServiceUnavailable, new ErrorBody(ErrorCodes.Unavailable, "The store is unavailable; try again.")),
            _ => (0, null),
        };
        if (body is null)
        {
            return false;
        }

        await TypedResults.Json(body, statusCode: status).ExecuteAsync(httpContext);
        return true;
    }
}
