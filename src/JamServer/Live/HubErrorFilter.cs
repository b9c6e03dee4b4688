using System.Diagnostics;
using JamServer.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace JamServer.Live;

/// <summary>
/// Turns a refused hub call into a HubException whose message starts with a stable code, so the client
/// can act on it and the connection stays open; logs every call with its outcome and duration, counts every error
/// by its code and tags the call's span (SignalR's own, when traces are exported) with it.
/// </summary>
public sealed partial class HubErrorFilter(
    JamMetrics metrics, IOptions<JamOptions> options, TimeProvider clock, ILogger<HubErrorFilter> log) : IHubFilter
{
    private const string SignalRServer = "Microsoft.AspNetCore.SignalR.Server";

    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var started = Stopwatch.GetTimestamp();
        var method = invocationContext.HubMethodName;
        try
        {
            var result = await next(invocationContext);
            LogInvoked(log, method, invocationContext.Context.User?.FindFirst(Identity.JamClaims.Subject)?.Value, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (JamException refused) when (refused.Code == ErrorCodes.RateLimited)
        {
            // Counted, not logged at Information: a flooding client would make the server write a line per call.
            LogRateLimited(log, method, refused.Message);
            Count(refused.Code);
            await Task.Delay(options.Value.RateLimitedAnswerDelay, clock, invocationContext.Context.ConnectionAborted)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw new HubException($"{refused.Code}: {refused.Message}");
        }
        catch (JamException refused)
        {
            LogRefused(log, method, refused.Code, refused.Message);
            Count(refused.Code);
            throw new HubException($"{refused.Code}: {refused.Message}");
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            Count(ErrorCodes.Unavailable);
            throw new HubException($"{ErrorCodes.Unavailable}: The connection closed before the call finished.");
        }
        catch (Exception ex) when (Resilience.IsUnavailable(ex))
        {
            if (Resilience.IsAway(ex))
            {
                // The circuit logged why it opened; one line per refused call is enough.
                LogStoreAway(log, method, ex.Message);
            }
            else
            {
                LogFailed(log, ex, method);
            }

            Count(ErrorCodes.Unavailable);
            throw new HubException($"{ErrorCodes.Unavailable}: The store is unavailable; try again after {Resilience.RetryAfterSeconds(ex)} s.");
        }
        catch (Exception ex) when (ex is not HubException)
        {
            LogFailed(log, ex, method);
            Count(ErrorCodes.Unavailable);
            throw new HubException($"{ErrorCodes.Unavailable}: The server could not complete {method}; try again.");
        }
    }

    private void Count(string code)
    {
        metrics.Error(code, JamMetrics.Hub);
        if (Activity.Current is { IsAllDataRequested: true } call && call.Source.Name == SignalRServer)
        {
            call.SetTag("jam.error.code", code);
        }
    }

    [LoggerMessage(LogLevel.Debug, "Hub {Method} by {UserId} in {ElapsedMs:0.0} ms")]
    private static partial void LogInvoked(ILogger logger, string method, string? userId, double elapsedMs);

    [LoggerMessage(LogLevel.Information, "Hub {Method} refused: {Code} {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string code, string reason);

    [LoggerMessage(LogLevel.Debug, "Hub {Method} rate limited: {Reason}")]
    private static partial void LogRateLimited(ILogger logger, string method, string reason);

    [LoggerMessage(LogLevel.Warning, "Hub {Method}: the store is unavailable ({Reason})")]
    private static partial void LogStoreAway(ILogger logger, string method, string reason);

    [LoggerMessage(LogLevel.Error, "Hub {Method} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string method);
}
