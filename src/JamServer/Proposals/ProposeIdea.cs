using System.Globalization;
using JamServer.Discussion;
using JamServer.Infrastructure;
using JamServer.Jams;
using JamServer.Voting;
using Marten;
using MessagePack;
using Polly.Registry;

namespace JamServer.Proposals;

[MessagePackObject]
public sealed record ProposeRequest(
    [property: Key("roomId")] string? RoomId,
    [property: Key("threadId")] string? ThreadId,
    [property: Key("title")] string? Title,
    [property: Key("summary")] string? Summary,
    [property: Key("clientId")] string? ClientId);

[MessagePackObject]
public sealed record ProposeAck([property: Key("proposalId")] string ProposalId);

/// <summary>Turning a discussion thread into a proposal the crowd can vote for.</summary>
public sealed partial class ProposeIdea(
    IDocumentStore store, JamState jam, LiveTally tally, ResiliencePipelineProvider<string> pipelines, TimeProvider clock, ILogger<ProposeIdea> log)
{
    public const int MaxTitleLength = 120;
    public const int MaxSummaryLength = 2000;

    public sealed record Command(string RoomId, string ThreadId, string Title, string Summary, string ClientId, string AuthorId, string AuthorName);

    /// <summary>A thread's proposal has an id made from the thread's, so the store itself keeps it to one.</summary>
    public static string ProposalIdOf(string threadId) => "prop-" + threadId;

    public static Command Validate(ProposeRequest? request, string authorId, string authorName)
    {
        if (request is null)
        {
            throw JamException.InvalidInput("A proposal needs roomId, threadId, title, summary and clientId.");
        }

        var title = Text(request.Title, "title", MaxTitleLength);
        if (title.Contains('\n', StringComparison.Ordinal) || title.Contains('\t', StringComparison.Ordinal))
        {
            throw JamException.InvalidInput("A proposal's title is one line.");
        }

        return new Command(
            Id(request.RoomId, "roomId", 100),
            Id(request.ThreadId, "threadId", 100),
            title,
            Text(request.Summary, "summary", MaxSummaryLength),
            Id(request.ClientId, "clientId", WritePost.MaxClientIdLength),
            authorId,
            WritePost.CleanName(authorName, authorId));
    }

    /// <summary>
    /// The fact of a new proposal, or null when this very request was stored before (a resend); <paramref name="thread"/>
    /// is the thread's first post, null when not found, and <paramref name="existing"/> the thread's proposal if any.
    /// </summary>
    public static ProposalMade? Decide(Command command, JamPhase phase, PostView? thread, ProposalView? existing, DateTimeOffset now)
    {
        if (existing is not null)
        {
            return existing.AuthorId == command.AuthorId && existing.ClientId == command.ClientId
                ? null
                : throw new JamException(
                    ErrorCodes.AlreadyProposed, $"Thread '{command.ThreadId}' already holds proposal '{existing.Id}'; support that one.");
        }

        if (phase is not JamPhase.Discussion)
        {
            throw new JamException(ErrorCodes.PhaseClosed, "Proposals are made during the Discussion phase.");
        }

        if (thread is null || thread.RoomId != command.RoomId || thread.Id != thread.ThreadId)
        {
            throw JamException.NotFound($"There is no thread '{command.ThreadId}' in room '{command.RoomId}'.");
        }

        if (thread.Hidden)
        {
            throw JamException.InvalidInput($"Thread '{command.ThreadId}' is hidden by moderation; it cannot become a proposal.");
        }

        return new ProposalMade(
            ProposalIdOf(thread.Id), thread.RoomId, thread.Id, command.Title, command.Summary,
            command.AuthorId, command.AuthorName, command.ClientId, now);
    }

    public async Task<ProposeAck> HandleAsync(Command command, CancellationToken ct)
    {
        var made = await pipelines.StoreAsync(token => StoreAsync(command, token), ct);
        if (made is null)
        {
            return new ProposeAck(ProposalIdOf(command.ThreadId));
        }

        try
        {
            await tally.AddProposalAsync(made.ProposalId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Stored; the live ranking shows it with its first vote.
            LogRankingFailed(log, ex, made.ProposalId);
        }

        return new ProposeAck(made.ProposalId);
    }

    /// <summary>The proposal as committed now, or null when this very request was stored before.</summary>
    private async Task<ProposalMade?> StoreAsync(Command command, CancellationToken ct)
    {
        var proposalId = ProposalIdOf(command.ThreadId);
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var thread = await session.LoadAsync<PostView>(command.ThreadId, ct);
            var existing = await session.LoadAsync<ProposalView>(proposalId, ct);
            var made = Decide(command, jam.Current.Phase, thread, existing, clock.GetUtcNow());
            if (made is null)
            {
                return null;
            }

            session.Events.StartStream(made.ProposalId, made);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (Resilience.IsConflict(ex) && attempt == 0)
            {
                // Someone proposed this thread at the same moment: decide again against what they stored.
                continue;
            }
            catch (Exception ex) when (PhaseGuard.IsRefusal(ex))
            {
                await jam.RefreshAsync(ct);
                throw new JamException(ErrorCodes.PhaseClosed, "Proposals are made during the Discussion phase.");
            }

            return made;
        }
    }

    internal static string Id(string? value, string name, int maxLength)
    {
        return TextInput.Identifier(value, maxLength) ?? throw JamException.InvalidInput(
            string.Create(CultureInfo.InvariantCulture, $"{name} is required: 1 to {maxLength} printable characters."));
    }

    private static string Text(string? value, string name, int maxLength)
    {
        var text = WritePost.Clean(value ?? "").Trim();
        if (text.Length == 0 || text.Length > maxLength)
        {
            throw JamException.InvalidInput(
                string.Create(CultureInfo.InvariantCulture, $"A proposal's {name} is 1 to {maxLength} characters; this one has {text.Length}."));
        }

        return text;
    }

    [LoggerMessage(LogLevel.Warning, "Proposal {ProposalId} is stored but not yet in the live ranking")]
    private static partial void LogRankingFailed(ILogger logger, Exception ex, string proposalId);
}
