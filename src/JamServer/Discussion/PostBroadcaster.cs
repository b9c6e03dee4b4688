using System.Threading.Channels;
using JamServer.Live;
using Microsoft.AspNetCore.SignalR;

namespace JamServer.Discussion;

/// <summary>
/// Pushes committed posts to their rooms, in commit order, apart from the writer: a slow or absent backplane
/// (Redis down) delays the live stream, never the acknowledgement of a stored post. Members who miss a push
/// get the post from their next JoinRoom.
/// </summary>
public sealed partial class PostBroadcaster(IHubContext<JamHub, IJamClient> hub, ILogger<PostBroadcaster> log)
    : BackgroundService
{
    private const int Capacity = 50_000;

    private readonly Channel<PostWritten> _queue = Channel.CreateBounded<PostWritten>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Never waits: with the queue full, the post is left to catch-up (TryWrite is false in Wait mode).</summary>
    public void Enqueue(PostWritten written)
    {
        if (!_queue.Writer.TryWrite(written))
        {
            LogDropped(log, written.RoomId, written.Seq);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var written in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await hub.Clients.Group(JamHub.RoomGroup(written.RoomId)).PostAdded(PostDto.From(written));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogBroadcastFailed(log, ex, written.RoomId, written.Seq);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "Post {RoomId}#{Seq} was stored but its broadcast failed")]
    private static partial void LogBroadcastFailed(ILogger logger, Exception ex, string roomId, long seq);

    [LoggerMessage(LogLevel.Warning, "The broadcast queue is full; post {RoomId}#{Seq} reaches members by catch-up only")]
    private static partial void LogDropped(ILogger logger, string roomId, long seq);
}
