using System.Collections.Concurrent;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.Jams;
using JamServer.Moderation;
using JamServer.Proposals;
using JamServer.Rooms;
using JamServer.Voting;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JamServer.IntegrationTests.Support;

public enum Wire
{
    Json,
    MessagePack,
}

public sealed record SignedIn(string Token, string ParticipantId, string Name);

/// <summary>A participant on the official SignalR .NET client, recording everything the server pushes.</summary>
public sealed class JamClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<PostDto> _posts = new();
    private readonly ConcurrentQueue<JamDto> _phases = new();
    private readonly ConcurrentQueue<PresenceDto> _presence = new();
    private readonly ConcurrentQueue<(DateTime At, TallyDto Tally)> _tallies = new();
    private readonly ConcurrentQueue<PostHiddenDto> _hidden = new();
    private readonly ConcurrentQueue<PostDto> _restored = new();
    private readonly ConcurrentQueue<FlagDto> _flags = new();
    private readonly SemaphoreSlim _pushed = new(0);

    private JamClient(HubConnection connection, SignedIn who)
    {
        Connection = connection;
        Who = who;
        connection.On<PostDto>("PostAdded", post => Record(_posts, post));
        connection.On<JamDto>("PhaseChanged", jam => Record(_phases, jam));
        connection.On<PresenceDto>("PresenceChanged", presence => Record(_presence, presence));
        connection.On<TallyDto>("TallyUpdated", tally => Record(_tallies, (DateTime.UtcNow, tally)));
        connection.On<PostHiddenDto>("PostHidden", hidden => Record(_hidden, hidden));
        connection.On<PostDto>("PostRestored", post => Record(_restored, post));
        connection.On<FlagDto>("FlagRaised", flag => Record(_flags, flag));
    }

    public HubConnection Connection { get; }

    public SignedIn Who { get; }

    public IReadOnlyList<PostDto> Posts => _posts.ToArray();

    public IReadOnlyList<JamDto> Phases => _phases.ToArray();

    public IReadOnlyList<PresenceDto> Presence => _presence.ToArray();

    public IReadOnlyList<(DateTime At, TallyDto Tally)> Tallies => _tallies.ToArray();

    /// <summary>
    /// Connected; unless told otherwise, having accepted the guidelines, as a participant does before posting. With
    /// <paramref name="reconnect"/>, like the web client: a WebSocket without negotiation (one TCP connection, so a
    /// balancer of TCP connections routes it whole) that reconnects by itself, quickly and forever.
    /// </summary>
    public static async Task<JamClient> ConnectAsync(
        Uri server, SignedIn who, Wire wire = Wire.Json, bool acceptGuidelines = true, bool reconnect = false)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "hubs/jam"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(who.Token);
                if (reconnect)
                {
                    o.SkipNegotiation = true;
                    o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                }
            });
        if (reconnect)
        {
            builder.WithAutomaticReconnect(new QuickRetries());
        }

        if (wire == Wire.MessagePack)
        {
            builder.AddMessagePackProtocol();
        }

        var client = new JamClient(builder.Build(), who);
        await client.Connection.StartAsync().Timely();
        if (acceptGuidelines)
        {
            await client.Connection.InvokeAsync<GuidelinesAck>("AcceptGuidelines").Timely();
        }

        return client;
    }

    public Task<JoinRoomResult> JoinAsync(string roomId, long afterSeq = 0) =>
        Connection.InvokeAsync<JoinRoomResult>("JoinRoom", roomId, afterSeq).Timely();

    public Task<PostAck> PostAsync(string roomId, string body, string? parentId = null, string? clientId = null) =>
        Connection.InvokeAsync<PostAck>("Post", new PostRequest(roomId, parentId, body, clientId ?? NewId())).Timely();

    public Task<ProposeAck> ProposeAsync(string roomId, string threadId, string title, string? clientId = null) =>
        Connection.InvokeAsync<ProposeAck>(
            "ProposeIdea", new ProposeRequest(roomId, threadId, title, $"What {title} would change, and for whom.", clientId ?? NewId())).Timely();

    public Task<MergeAck> MergeAsync(string sourceId, string targetId, string reason = "The same idea") =>
        Connection.InvokeAsync<MergeAck>("MergeProposals", sourceId, targetId, reason).Timely();

    public Task<FlagAck> FlagAsync(string postId, string reason = "off-topic") =>
        Connection.InvokeAsync<FlagAck>("Flag", postId, reason).Timely();

    public Task<PostHiddenDto> WaitForHiddenAsync(Func<PostHiddenDto, bool> match) => WaitForAsync(_hidden, match);

    public Task<PostDto> WaitForRestoredAsync(Func<PostDto, bool> match) => WaitForAsync(_restored, match);

    public Task<FlagDto> WaitForFlagAsync(Func<FlagDto, bool> match) => WaitForAsync(_flags, match);

    public IReadOnlyList<PostHiddenDto> Hidden => _hidden.ToArray();

    public Task<VoteAck> VoteAsync(string proposalId) => Connection.InvokeAsync<VoteAck>("Vote", proposalId).Timely();

    public Task<VoteAck> UnvoteAsync(string proposalId) => Connection.InvokeAsync<VoteAck>("Unvote", proposalId).Timely();

    public Task<(DateTime At, TallyDto Tally)> WaitForTallyAsync(Func<TallyDto, bool> match) => WaitForAsync(_tallies, t => match(t.Tally));

    /// <summary>Waits until a pushed post matches; the ones already received count.</summary>
    public Task<PostDto> WaitForPostAsync(Func<PostDto, bool> match) => WaitForAsync(_posts, match);

    public Task<JamDto> WaitForPhaseAsync(Func<JamDto, bool> match) => WaitForAsync(_phases, match);

    /// <summary>Waits for a presence push matching, among those after the first <paramref name="skip"/>.</summary>
    public Task<PresenceDto> WaitForPresenceAsync(Func<PresenceDto, bool> match, int skip = 0) => WaitForAsync(_presence, match, skip);

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Record<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        _pushed.Release();
    }

    private async Task<T> WaitForAsync<T>(ConcurrentQueue<T> queue, Func<T, bool> match, int skip = 0)
    {
        using var deadline = new CancellationTokenSource(Within.Default);
        while (true)
        {
            var found = queue.Skip(skip).FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            try
            {
                await _pushed.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching {typeof(T).Name} arrived within {Within.Default.TotalSeconds} s.");
            }
        }
    }
}

/// <summary>Reconnects after 100 to 300 ms, forever (a test bounds it).</summary>
public sealed class QuickRetries : IRetryPolicy
{
    public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromMilliseconds(100 + Random.Shared.Next(200));
}

public static class JamHttp
{
    public static async Task<SignedIn> SignInAsync(this HttpClient http, string role = "participant", string kind = "employee")
    {
        var name = "Tester " + JamClient.NewId()[..6];
        var response = await http.PostAsJsonAsync("api/auth/demo", new { displayName = name, role, kind }).Timely();
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<SignInBody>().Timely();
        return new SignedIn(body!.Token, body.ParticipantId, name);
    }

    public static HttpClient As(this ServerProcess server, SignedIn? who = null)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Within.Default };
        if (who is not null)
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", who.Token);
        }

        return http;
    }

    private sealed record SignInBody(string Token, string ParticipantId);
}
