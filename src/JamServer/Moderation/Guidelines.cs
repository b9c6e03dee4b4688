using System.Collections.Concurrent;
using JamServer.Infrastructure;
using Marten;
using MessagePack;
using Polly.Registry;

namespace JamServer.Moderation;

[MessagePackObject]
public sealed record GuidelinesAck([property: Key("accepted")] bool Accepted, [property: Key("version")] int Version);

public sealed record GuidelinesDto(int Version, IReadOnlyList<string> Items);

/// <summary>
/// The guidelines the community wrote, and who accepted them. A participant accepts once, before the first post;
/// acceptance is an event in the participant's own stream, so a second acceptance (on any node) finds it there.
/// </summary>
public sealed class Guidelines(IDocumentStore store, ResiliencePipelineProvider<string> pipelines, TimeProvider clock)
{
    public const int Version = 1;

    public static readonly GuidelinesDto Current = new(Version,
    [
        "Speak for yourself: say what you think, not what your employer or anyone else thinks.",
        "You are responsible for what you write; it stays in the jam's record.",
        "Share no confidential or proprietary information: yours, your employer's, a customer's or a partner's.",
        "Respect copyright: quote briefly, link rather than copy, and say whose work it is.",
        "Disagree with ideas, not with people; flag what breaks these guidelines rather than answering it.",
    ]);

    // Participants known to have accepted; a miss asks the store, so any node learns of an acceptance made elsewhere.
    private readonly ConcurrentDictionary<string, bool> _accepted = new(StringComparer.Ordinal);

    public static string StreamIdOf(string participantId) => "guidelines:" + participantId;

    public async Task<GuidelinesAck> AcceptAsync(string participantId, CancellationToken ct)
    {
        if (!_accepted.ContainsKey(participantId))
        {
            _accepted[participantId] = await pipelines.StoreAsync(token => StoreAcceptanceAsync(participantId, token), ct);
        }

        return new GuidelinesAck(true, Version);
    }

    private async Task<bool> StoreAcceptanceAsync(string participantId, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Events.StartStream(StreamIdOf(participantId), new GuidelinesAccepted(participantId, clock.GetUtcNow()));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (Resilience.IsConflict(ex))
        {
            // Accepted before, perhaps on another node: once is enough.
        }

        return true;
    }

    /// <summary>Refuses with GUIDELINES_NOT_ACCEPTED unless the participant accepted the guidelines.</summary>
    public async ValueTask EnsureAcceptedAsync(string participantId, CancellationToken ct)
    {
        if (_accepted.ContainsKey(participantId))
        {
            return;
        }

        if (!await pipelines.StoreAsync(token => IsStoredAsync(participantId, token), ct))
        {
            throw new JamException(
                ErrorCodes.GuidelinesNotAccepted, "Accept the jam's guidelines (AcceptGuidelines) before your first post.");
        }

        _accepted[participantId] = true;
    }

    private async Task<bool> IsStoredAsync(string participantId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamStateAsync(StreamIdOf(participantId), ct) is not null;
    }

    public static void MapGuidelinesEndpoint(IEndpointRouteBuilder app) => app.MapGet("/api/guidelines", () => Current);
}
