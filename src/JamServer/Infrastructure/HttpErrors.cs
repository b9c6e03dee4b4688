using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JamServer.Infrastructure;

/// <summary>
/// Every HTTP error has the body <c>{code, message}</c>: a refusal maps to its status, a malformed body to
/// INVALID_INPUT, and a bare status from the framework (401, 403, 404, 415, ...) gets a body by its status.
/// </summary>
public sealed partial class HttpErrors(JamMetrics metrics, ILogger<HttpErrors> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, body) = exception switch
        {
            JamException refused => (refused.HttpStatus, new ErrorBody(refused.Code, refused.Message)),
            BadHttpRequestException bad => (bad.StatusCode, new ErrorBody(ErrorCodes.InvalidInput, bad.Message)),
            _ when Resilience.IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, new ErrorBody(
                ErrorCodes.Unavailable, $"The store is unavailable; try again after {Resilience.RetryAfterSeconds(exception)} s.")),
            _ => (StatusCodes.Status500InternalServerError, new ErrorBody(ErrorCodes.Internal, "The server failed; the error is logged.")),
        };
        metrics.Error(body.Code, JamMetrics.Http);
        if (Resilience.IsAway(exception))
        {
            // The circuit logged why it opened; one line per refused request is enough.
            LogStoreAway(log, httpContext.Request.Method, httpContext.Request.Path, exception.Message);
        }
        else if (status >= StatusCodes.Status500InternalServerError && exception is not JamException)
        {
            LogFailed(log, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = Resilience.RetryAfterSeconds(exception);
        }

        await TypedResults.Json(body, statusCode: status).ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(LogLevel.Warning, "{Method} {Path}: the store is unavailable ({Reason})")]
    private static partial void LogStoreAway(ILogger logger, string method, string path, string reason);

    [LoggerMessage(LogLevel.Error, "{Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string method, string path);
}

public static class CodedStatusPages
{
    public static void UseCodedStatusPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(async context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var body = status switch
            {
                StatusCodes.Status401Unauthorized => new ErrorBody(ErrorCodes.Unauthenticated, "Sign in first: send a valid bearer token."),
                StatusCodes.Status403Forbidden => new ErrorBody(ErrorCodes.Forbidden, "Your role may not do this."),
                StatusCodes.Status404NotFound => new ErrorBody(ErrorCodes.NotFound, "There is nothing at this address."),
                StatusCodes.Status415UnsupportedMediaType => new ErrorBody(ErrorCodes.InvalidInput, "Send the body as application/json."),
                StatusCodes.Status429TooManyRequests => new ErrorBody(ErrorCodes.RateLimited, "Too many requests; slow down."),
                < 500 => new ErrorBody(ErrorCodes.InvalidInput, $"The request was refused ({status})."),
                _ => new ErrorBody(ErrorCodes.Unavailable, $"The server could not answer ({status})."),
            };
            context.HttpContext.RequestServices.GetRequiredService<JamMetrics>().Error(body.Code, JamMetrics.Http);
            await context.HttpContext.Response.WriteAsJsonAsync(body);
        });
}
