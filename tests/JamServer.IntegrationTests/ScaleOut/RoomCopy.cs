using System.Collections.Concurrent;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;

namespace JamServer.IntegrationTests.ScaleOut;

/// <summary>
/// A reader's copy of a room, kept as the web client keeps it: the posts pushed to it and those JoinRoom returns, by
/// seq; after every reconnect it joins the room again from the highest seq below which it holds every post.
/// </summary>
public sealed class RoomCopy
{
    private readonly ConcurrentDictionary<long, PostDto> _caughtUp = new();

    private RoomCopy(JamClient client, string roomId)
    {
        Client = client;
        RoomId = roomId;
    }

    public JamClient Client { get; }

    public string RoomId { get; }

    public int Reconnects { get; private set; }

    /// <summary>Every post held, by seq: pushed or caught up.</summary>
    public IReadOnlyDictionary<long, PostDto> Posts
    {
        get
        {
            var all = new Dictionary<long, PostDto>(_caughtUp);
            foreach (var post in Client.Posts)
            {
                all.TryAdd(post.Seq, post);
            }

            return all;
        }
    }

    /// <summary>Posts that reached this reader only by JoinRoom, not pushed.</summary>
    public int OnlyCaughtUp => _caughtUp.Keys.Except(Client.Posts.Select(p => p.Seq)).Count();

    public static async Task<RoomCopy> OpenAsync(JamClient client, string roomId)
    {
        var copy = new RoomCopy(client, roomId);
        client.Connection.Reconnected += connectionId =>
        {
            copy.Reconnects++;
            _ = Task.Run(copy.CatchUpAsync);
            return Task.CompletedTask;
        };
        await copy.CatchUpAsync();
        return copy;
    }

    /// <summary>Joins the room from the last seq held without a gap, as many times as the server has more.</summary>
    public async Task CatchUpAsync()
    {
        try
        {
            while (true)
            {
                var result = await Client.JoinAsync(RoomId, Contiguous());
                foreach (var post in result.Posts)
                {
                    _caughtUp.TryAdd(post.Seq, post);
                }

                if (!result.HasMore)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TaskCanceledException or TimeoutException
            or Microsoft.AspNetCore.SignalR.HubException)
        {
            // Dropped again meanwhile: the next reconnect catches up.
        }
    }

    private long Contiguous()
    {
        var held = Posts;
        var seq = 0L;
        while (held.ContainsKey(seq + 1))
        {
            seq++;
        }

        return seq;
    }
}
