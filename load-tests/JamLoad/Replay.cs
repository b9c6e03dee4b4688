using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace JamLoad;

/// <summary>
/// <c>JamLoad replay</c>: a whole jam, compressed, against a fresh demo-mode server. Discussion: posts over the rooms
/// by Zipf popularity, in threads, by many participants; then the biggest threads become proposals; the organizer
/// opens Voting, and every participant signs in, connects, votes and leaves, at most <c>--concurrent</c> at once;
/// the organizer closes the jam, and the published shortlist is checked against the votes the tool saw acknowledged.
/// </summary>
public static class Replay
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> MainAsync(IReadOnlyList<string> args, TextWriter log)
    {
        ReplayOptions options;
        try
        {
            options = ReplayOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync($"jamload replay: {ex.Message}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        ReplayResult result;
        using (var run = new ReplayRun(options, log))
        {
            try
            {
                result = await run.RunAsync(stop.Token);
            }
            catch (ReplayRun.NotReplayableException ex)
            {
                await Console.Error.WriteLineAsync($"jamload replay: {ex.Message}");
                return 2;
            }
        }

        var markdown = result.ToMarkdown();
        await log.WriteLineAsync(markdown);
        if (options.OutputDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, options.Name + ".replay.md"), markdown);
            await File.WriteAllTextAsync(
                Path.Combine(dir, options.Name + ".replay.json"),
                JsonSerializer.Serialize(result, Indented));
        }

        return result.Clean ? 0 : 1;
    }
}

/// <summary>One replay: its plan, what it saw acknowledged, and its checks. Bounded by the hard limit.</summary>
internal sealed class ReplayRun : IDisposable
{
    private static readonly string[] Kinds = ["employee", "customer", "partner", "guest"];
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Share of posts that start a thread; the rest reply in the room's threads.</summary>
    private const double RootShare = 0.1;

    /// <summary>Who writes: participants by Zipf popularity with this exponent (about 21,000 distinct of 500,000 for 25,000 visits).</summary>
    private const double AuthorExponent = 0.7;

    /// <summary>Posts one visit writes: 1 + a geometric number, mean <see cref="MeanPostsPerVisit"/>, at most the default post burst.</summary>
    private const double MeanPostsPerVisit = 4;
    private const int MaxPostsPerVisit = 20;
    private const int MaxDepth = 8;

    /// <summary>Sign-ins and connects in flight at once while voting.</summary>
    private const int ConnectingAtOnce = 256;

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long the live ranking may take to reach the acknowledged counts after the close (it follows through a
    /// queue, and rebuilds from the events after an overflow).
    /// </summary>
    private static readonly TimeSpan LiveSettle = TimeSpan.FromSeconds(120);

    private readonly ReplayOptions _options;
    private readonly TextWriter _log;
    private readonly HttpClient _http;
    private readonly HttpMessageInvoker[] _invokers;
    private readonly Uri _hub;
    private readonly Stopwatch _clock = new();

    private readonly ConcurrentDictionary<int, Task<SignIn>> _authors = new();
    private readonly ConcurrentDictionary<string, long> _postRefusals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _proposalRefusals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _voteRefusals = new(StringComparer.Ordinal);
    private readonly LatencyHistogram _postLatency = new();
    private readonly LatencyHistogram _voteLatency = new();
    private readonly long[] _postsPerSecond;
    private readonly long[] _votesPerSecond;
    private readonly List<string> _differences = [];

    private int _invokerTurn;
    private int _connectFailures;
    private long _postsAcked;
    private long _postResends;
    private long _votesAcked;
    private long _votersDone;
    private int _connected;
    private int _peakConnected;
    private long _discussionStarted;
    private long _votingStarted;
    private volatile string _phase = "setup";
    private int _shortlistMatching;
    private bool _rankingMatches;
    private int _proposalsListed;
    private int _proposalsMatching;
    private int _roomsMatching;

    private Room[] _rooms = [];
    private List<Proposal> _proposals = [];
    private long[] _acked = [];
    private long[] _ackedByKind = [];
    private byte[] _ballotHashes = [];
    private bool[] _counted = [];

    public ReplayRun(ReplayOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = options.Server,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _invokers = options.SourceAddresses.Select(Scenario.BoundInvoker).ToArray();
        _hub = new Uri(options.Server, "hubs/jam");
        _postsPerSecond = new long[(int)options.HardLimit.TotalSeconds + 2];
        _votesPerSecond = new long[(int)options.HardLimit.TotalSeconds + 2];
    }

    /// <summary>The server cannot be replayed against: not fresh, not in Discussion, too few rooms.</summary>
    public sealed class NotReplayableException(string message) : Exception(message);

    public void Dispose()
    {
        _http.Dispose();
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
    }

    public async Task<ReplayResult> RunAsync(CancellationToken cancellation)
    {
        using var hardLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        hardLimit.CancelAfter(_options.HardLimit);
        var ct = hardLimit.Token;
        var started = DateTimeOffset.UtcNow;
        _clock.Start();
        var name = _options.Name;

        var jam = (await _http.GetFromJsonAsync<JamInfo>("api/jam", Web, ct))!;
        var roomList = (await _http.GetFromJsonAsync<List<RoomListing>>("api/rooms", Web, ct))!;
        if (jam.Phase != "Discussion" || roomList.Any(r => r.Posts > 0))
        {
            throw new NotReplayableException($"the jam must be fresh and in Discussion (it is in {jam.Phase}, with {roomList.Sum(r => r.Posts):N0} posts): start a server with a new Jam__JamId and Jam__DemoMode=true");
        }

        if (roomList.Count < _options.Rooms)
        {
            throw new NotReplayableException($"the jam has {roomList.Count} rooms, fewer than --rooms {_options.Rooms}");
        }

        var perVoter = (int)Math.Ceiling(_options.Votes / (double)_options.Participants);
        if (perVoter > jam.VoteBudget || perVoter > _options.Proposals)
        {
            throw new NotReplayableException(
                $"{_options.Votes:N0} votes over {_options.Participants:N0} participants is {perVoter} each, more than the budget ({jam.VoteBudget}) or the proposals ({_options.Proposals})");
        }

        _rooms = roomList.Take(_options.Rooms).Select(r => new Room(r.Id)).ToArray();
        var organizer = await SignInAsync(-1, "organizer", ct);
        var visits = PlanVisits(new Random(42));

        using var progressStop = new CancellationTokenSource();
        var progress = ProgressAsync(progressStop.Token);
        double discussion = 0, proposing = 0, voting = 0, counting = 0, jamSeconds = 0, checking = 0;
        string? stopped = null;
        ShortlistView? shortlist = null;
        var phaseClock = new Stopwatch();
        try
        {
            _phase = "discussion";
            await _log.WriteLineAsync($"[{name}] discussion: {_options.Posts:N0} posts in {visits.Count:N0} visits by {visits.Select(v => v.Participant).Distinct().Count():N0} participants over {_rooms.Length} rooms, {_options.Writers} writers at once");
            phaseClock.Start();
            Interlocked.Exchange(ref _discussionStarted, Stopwatch.GetTimestamp());
            await WriteVisitsAsync(visits, ct);
            discussion = phaseClock.Elapsed.TotalSeconds;

            _phase = "proposals";
            await _log.WriteLineAsync($"[{name}] {Interlocked.Read(ref _postsAcked):N0} posts in {discussion:0.0} s; making {_options.Proposals:N0} proposals of the biggest threads");
            phaseClock.Restart();
            await MakeProposalsAsync(ct);
            proposing = phaseClock.Elapsed.TotalSeconds;
            if (_proposals.Count < perVoter)
            {
                throw new InvalidOperationException($"only {_proposals.Count} proposals were made, fewer than the {perVoter} votes each participant casts");
            }

            _phase = "voting";
            await ChangePhaseAsync(organizer.Token, "Voting", ct);
            await _log.WriteLineAsync($"[{name}] voting: {_options.Votes:N0} votes by {_options.Participants:N0} participants, at most {_options.Concurrent:N0} connected at once");
            phaseClock.Restart();
            Interlocked.Exchange(ref _votingStarted, Stopwatch.GetTimestamp());
            await VoteAsync(ct);
            voting = phaseClock.Elapsed.TotalSeconds;

            _phase = "counting";
            await _log.WriteLineAsync($"[{name}] {Interlocked.Read(ref _votesAcked):N0} votes in {voting:0.0} s; closing the jam");
            var closed = await ChangePhaseAsync(organizer.Token, "Closed", ct);
            var auditor = await SignInAsync(-2, "participant", ct);
            shortlist = await WaitForShortlistAsync(auditor.Token, ct);
            jamSeconds = _clock.Elapsed.TotalSeconds;
            counting = Math.Max(0, ((shortlist.PublishedAt ?? closed.ServerTime) - closed.ServerTime).TotalSeconds);

            _phase = "checks";
            phaseClock.Restart();
            await CheckAsync(auditor.Token, shortlist, ct);
            checking = phaseClock.Elapsed.TotalSeconds;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            stopped = cancellation.IsCancellationRequested
                ? $"interrupted during {_phase}"
                : string.Create(CultureInfo.InvariantCulture, $"the hard limit of {_options.HardLimit.TotalMinutes:0.#} minutes was reached during {_phase}");
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException)
        {
            stopped = $"{_phase} failed: {ex.Message}";
        }
        finally
        {
            if (stopped is not null)
            {
                // The phase that was cut short shows how far it got.
                jamSeconds = _clock.Elapsed.TotalSeconds;
                switch (_phase)
                {
                    case "discussion":
                        discussion = phaseClock.Elapsed.TotalSeconds;
                        break;
                    case "proposals":
                        proposing = phaseClock.Elapsed.TotalSeconds;
                        break;
                    case "voting":
                        voting = phaseClock.Elapsed.TotalSeconds;
                        break;
                }
            }

            await progressStop.CancelAsync();
            await progress;
        }

        return new ReplayResult
        {
            Name = name,
            StartedAt = started,
            Stopped = stopped,
            Participants = _options.Participants,
            Authors = _authors.Count,
            Rooms = _rooms.Length,
            PostsPlanned = _options.Posts,
            PostsAcked = Interlocked.Read(ref _postsAcked),
            PostResends = Interlocked.Read(ref _postResends),
            Threads = _rooms.Sum(r => r.Roots),
            Visits = visits.Count,
            ProposalsPlanned = _options.Proposals,
            ProposalsMade = _proposals.Count,
            Budget = jam.VoteBudget,
            VotesPlanned = _options.Votes,
            VotesAcked = Interlocked.Read(ref _votesAcked),
            VotersDone = Interlocked.Read(ref _votersDone),
            Concurrent = _options.Concurrent,
            PeakConnected = _peakConnected,
            DiscussionSeconds = Math.Round(discussion, 2),
            ProposalsSeconds = Math.Round(proposing, 2),
            VotingSeconds = Math.Round(voting, 2),
            CountingSeconds = Math.Round(counting, 2),
            JamSeconds = Math.Round(jamSeconds, 2),
            CheckSeconds = Math.Round(checking, 2),
            RealHours = _options.RealHours,
            PeakPostsPerSecond = _postsPerSecond.Max(),
            PeakVotesPerSecond = _votesPerSecond.Max(),
            PostAck = _postLatency.Summary(),
            VoteAck = _voteLatency.Summary(),
            PostRefusals = new SortedDictionary<string, long>(_postRefusals, StringComparer.Ordinal),
            ProposalRefusals = new SortedDictionary<string, long>(_proposalRefusals, StringComparer.Ordinal),
            VoteRefusals = new SortedDictionary<string, long>(_voteRefusals, StringComparer.Ordinal),
            PublishedVotes = shortlist?.Votes,
            PublishedBallots = shortlist?.Ballots,
            CountedBallots = _counted.LongCount(c => c),
            PublishedDigest = shortlist?.Digest,
            ExpectedDigest = shortlist is null ? null : ExpectedDigest(),
            ShortlistSize = shortlist?.Proposals.Count ?? 0,
            ShortlistMatching = _shortlistMatching,
            RankingMatches = _rankingMatches,
            ProposalsListed = _proposalsListed,
            ProposalsMatching = _proposalsMatching,
            RoomsMatching = _roomsMatching,
            Differences = _differences.Take(20).ToList(),
        };
    }

    // ---- Discussion ------------------------------------------------------------------------------------------------

    private readonly record struct Visit(int Participant, int Room, int Posts);

    /// <summary>Visits of one participant to one room, writing a few posts: authors and rooms by Zipf popularity.</summary>
    private List<Visit> PlanVisits(Random random)
    {
        var authors = new Zipf(_options.Participants, AuthorExponent);
        var rooms = new Zipf(_rooms.Length, _options.ZipfExponent);
        var failure = 1 / MeanPostsPerVisit;
        var visits = new List<Visit>();
        for (var left = _options.Posts; left > 0;)
        {
            var extra = (int)Math.Min(MaxPostsPerVisit, Math.Floor(Math.Log(1 - random.NextDouble()) / Math.Log(1 - failure)));
            var posts = Math.Min(left, Math.Min(MaxPostsPerVisit, 1 + extra));
            visits.Add(new Visit(authors.Next(random), rooms.Next(random), posts));
            left -= posts;
        }

        return visits;
    }

    private async Task WriteVisitsAsync(List<Visit> visits, CancellationToken ct)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, _options.Writers).Select(writer => Task.Run(
            async () =>
            {
                var random = new Random(1000 + writer);
                int i;
                while ((i = Interlocked.Increment(ref next)) < visits.Count)
                {
                    try
                    {
                        await VisitAsync(visits[i], random, ct);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // A sign-in that kept failing, say: the visit's posts count as refused (the run is not clean).
                        Count(_postRefusals, "ERROR " + ex.GetType().Name, visits[i].Posts);
                    }
                }
            },
            ct)));
    }

    private sealed record PlannedPost(string? ParentId, int Depth, int Root, string Body, string ClientId);

    private async Task VisitAsync(Visit visit, Random random, CancellationToken ct)
    {
        var who = await AuthorAsync(visit.Participant, ct);
        var room = _rooms[visit.Room];
        var posts = Enumerable.Range(0, visit.Posts).Select(_ => room.Plan(random)).ToList();
        LeanCaller? caller = null;
        try
        {
            for (var attempt = 1; posts.Count > 0; attempt++)
            {
                if (caller is null || !caller.Open)
                {
                    if (caller is not null)
                    {
                        await caller.DisposeAsync();
                    }

                    caller = await ConnectAsync(who.Token, ct);
                    if (caller is null)
                    {
                        Count(_postRefusals, "CONNECT", posts.Count);
                        return;
                    }
                }

                // Accepting the guidelines again is a no-op on the server; it comes first, so the posts after it in the
                // frame are taken (a connection's calls run in order).
                var calls = posts.Select(p => new LeanCaller.Call("Post", json => WritePost(json, room.Id, p)))
                    .Prepend(new LeanCaller.Call("AcceptGuidelines", _ => { })).ToList();
                var sent = Stopwatch.GetElapsedTime(Interlocked.Read(ref _discussionStarted));
                var answers = (await caller.CallAsync(calls, CallTimeout, ct))[1..];
                var again = new List<PlannedPost>();
                for (var i = 0; i < answers.Length; i++)
                {
                    if (answers[i].Ok)
                    {
                        var ack = JsonSerializer.Deserialize<Wire.PostAck>(answers[i].Result, Web)!;
                        room.Acknowledged(posts[i], ack.PostId, visit.Participant);
                        _postLatency.Record(answers[i].Latency);
                        Interlocked.Increment(ref _postsAcked);
                        Interlocked.Increment(ref _postsPerSecond[SecondOf(sent + answers[i].Latency)]);
                    }
                    else if (answers[i].Code is "UNAVAILABLE" or LeanCaller.Closed or LeanCaller.TimedOut && attempt < 3)
                    {
                        // The protocol's answer to no answer: send it again with the same clientId.
                        again.Add(posts[i]);
                        Interlocked.Increment(ref _postResends);
                    }
                    else
                    {
                        Count(_postRefusals, answers[i].Code!, 1);
                    }
                }

                posts = again;
            }
        }
        finally
        {
            if (caller is not null)
            {
                await caller.DisposeAsync();
            }
        }
    }

    private static void WritePost(Utf8JsonWriter json, string roomId, PlannedPost post)
    {
        json.WriteStartObject();
        json.WriteString("roomId"u8, roomId);
        json.WriteString("parentId"u8, post.ParentId);
        json.WriteString("body"u8, post.Body);
        json.WriteString("clientId"u8, post.ClientId);
        json.WriteEndObject();
    }

    /// <summary>A room's acknowledged posts, from which new posts choose what they reply to.</summary>
    private sealed class Room(string id)
    {
        private readonly Lock _gate = new();
        private readonly List<(string PostId, int Depth, int Root, int Author)> _posts = [];
        private readonly List<int> _replies = [];

        public string Id { get; } = id;

        public int Roots { get; private set; }

        public int Acked
        {
            get
            {
                lock (_gate)
                {
                    return _posts.Count;
                }
            }
        }

        /// <summary>
        /// A new thread, or a reply in a thread chosen by its size (a random acknowledged post's thread: the busy
        /// get busier), to the root or to that post, never deeper than the protocol allows.
        /// </summary>
        public PlannedPost Plan(Random random)
        {
            var body = PostBody.Make(0, random);
            var clientId = Guid.NewGuid().ToString("N");
            lock (_gate)
            {
                if (_posts.Count == 0 || random.NextDouble() < RootShare)
                {
                    return new PlannedPost(null, 0, -1, body, clientId);
                }

                var picked = random.Next(_posts.Count);
                var root = _posts[picked].Root;
                var parent = random.NextDouble() < 0.5 || _posts[picked].Depth >= MaxDepth ? root : picked;
                return new PlannedPost(_posts[parent].PostId, _posts[parent].Depth + 1, root, body, clientId);
            }
        }

        public void Acknowledged(PlannedPost post, string postId, int author)
        {
            lock (_gate)
            {
                var index = _posts.Count;
                _posts.Add((postId, post.Depth, post.Root < 0 ? index : post.Root, author));
                _replies.Add(0);
                if (post.Root < 0)
                {
                    Roots++;
                }
                else
                {
                    _replies[post.Root]++;
                }
            }
        }

        /// <summary>This room's threads: root post, its author, and its replies.</summary>
        public List<(string ThreadId, int Author, int Replies, int Index)> Threads()
        {
            lock (_gate)
            {
                return _posts.Select((p, i) => (p, i)).Where(x => x.p.Root == x.i)
                    .Select(x => (x.p.PostId, x.p.Author, _replies[x.i], x.i)).ToList();
            }
        }
    }

    // ---- Proposals -------------------------------------------------------------------------------------------------

    private sealed record Proposal(string Id, int Room, int Rank);

    /// <summary>The biggest threads become proposals, each proposed by its root's author; the biggest is the most popular.</summary>
    private async Task MakeProposalsAsync(CancellationToken ct)
    {
        var threads = _rooms.SelectMany((room, r) => room.Threads().Select(t => (Room: r, t.ThreadId, t.Author, t.Replies, t.Index)))
            .OrderByDescending(t => t.Replies).ThenBy(t => t.Room).ThenBy(t => t.Index)
            .Take(_options.Proposals)
            .Select((t, rank) => (t.Room, t.ThreadId, t.Author, Rank: rank))
            .ToList();
        var made = new Proposal?[threads.Count];
        await Parallel.ForEachAsync(
            threads.GroupBy(t => t.Author),
            new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
            async (byAuthor, token) =>
            {
                var mine = byAuthor.ToList();
                var who = await AuthorAsync(byAuthor.Key, token);
                var caller = await ConnectAsync(who.Token, token);
                if (caller is null)
                {
                    Count(_proposalRefusals, "CONNECT", mine.Count);
                    return;
                }

                await using (caller)
                {
                    var calls = mine.Select(t => new LeanCaller.Call("ProposeIdea", json =>
                    {
                        json.WriteStartObject();
                        json.WriteString("roomId"u8, _rooms[t.Room].Id);
                        json.WriteString("threadId"u8, t.ThreadId);
                        json.WriteString("title"u8, string.Create(CultureInfo.InvariantCulture, $"Idea {t.Rank + 1} of the replay"));
                        json.WriteString("summary"u8, "What the thread behind it proposes, and what it would change.");
                        json.WriteString("clientId"u8, Guid.NewGuid().ToString("N"));
                        json.WriteEndObject();
                    })).ToList();
                    var answers = await caller.CallAsync(calls, CallTimeout, token);
                    for (var i = 0; i < answers.Length; i++)
                    {
                        if (answers[i].Ok)
                        {
                            var ack = JsonSerializer.Deserialize<ProposeAck>(answers[i].Result, Web)!;
                            made[mine[i].Rank] = new Proposal(ack.ProposalId, mine[i].Room, mine[i].Rank);
                        }
                        else
                        {
                            Count(_proposalRefusals, answers[i].Code!, 1);
                        }
                    }
                }
            });

        _proposals = made.OfType<Proposal>().ToList();
        _acked = new long[_proposals.Count];
        _ackedByKind = new long[_proposals.Count * Kinds.Length];
    }

    // ---- Voting ----------------------------------------------------------------------------------------------------

    /// <summary>
    /// Every participant, in a shuffled order, signs in (or uses the token it wrote with), connects, sends its votes at
    /// once, waits for the answers and leaves; at most <see cref="ReplayOptions.Concurrent"/> at a time.
    /// </summary>
    private async Task VoteAsync(CancellationToken ct)
    {
        var participants = _options.Participants;
        _ballotHashes = new byte[participants * 32];
        _counted = new bool[participants];
        var order = Enumerable.Range(0, participants).ToArray();
        var random = new Random(7);
        random.Shuffle(order);
        var each = _options.Votes / participants;
        var oneMore = _options.Votes % participants;
        var zipf = new Zipf(_proposals.Count, _options.ZipfExponent);

        using var slots = new SemaphoreSlim(_options.Concurrent);
        using var connecting = new SemaphoreSlim(ConnectingAtOnce);
        var running = new List<Task>();
        try
        {
            for (var k = 0; k < participants; k++)
            {
                await slots.WaitAsync(ct);
                var participant = order[k];
                var ballot = Choose(zipf, random, (int)(each + (k < oneMore ? 1 : 0)));
                running.Add(Task.Run(
                    async () =>
                    {
                        try
                        {
                            await VoteOneAsync(participant, ballot, connecting, ct);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            Count(_voteRefusals, "ERROR " + ex.GetType().Name, ballot.Length);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    },
                    CancellationToken.None));
                if (running.Count >= 2 * _options.Concurrent)
                {
                    running.RemoveAll(t => t.IsCompleted);
                }
            }
        }
        finally
        {
            // The semaphores live until every voter is done with them.
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        ct.ThrowIfCancellationRequested();
    }

    private async Task VoteOneAsync(int participant, int[] ballot, SemaphoreSlim connecting, CancellationToken ct)
    {
        if (ballot.Length == 0)
        {
            Interlocked.Increment(ref _votersDone);
            return;
        }

        LeanCaller? caller;
        string voterId;
        await connecting.WaitAsync(ct);
        try
        {
#pragma warning disable VSTHRD003 // An author's sign-in, started by its first visit.
            var who = _authors.TryGetValue(participant, out var author) ? await author : await SignInAsync(participant, "participant", ct);
#pragma warning restore VSTHRD003
            voterId = who.ParticipantId;
            caller = await ConnectAsync(who.Token, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Count(_voteRefusals, "SIGN_IN", ballot.Length);
            return;
        }
        finally
        {
            connecting.Release();
        }

        if (caller is null)
        {
            Count(_voteRefusals, "CONNECT", ballot.Length);
            return;
        }

        var now = Interlocked.Increment(ref _connected);
        int peak;
        while (now > (peak = Volatile.Read(ref _peakConnected)) && Interlocked.CompareExchange(ref _peakConnected, now, peak) != peak)
        {
        }

        try
        {
            var calls = ballot.Select(j => new LeanCaller.Call("Vote", json => json.WriteStringValue(_proposals[j].Id))).ToList();
            var sent = Stopwatch.GetElapsedTime(Interlocked.Read(ref _votingStarted));
            var answers = await caller.CallAsync(calls, CallTimeout, ct);
            var kind = participant % Kinds.Length;
            var accepted = new List<string>(ballot.Length);
            for (var i = 0; i < answers.Length; i++)
            {
                if (answers[i].Ok)
                {
                    Interlocked.Increment(ref _acked[ballot[i]]);
                    Interlocked.Increment(ref _ackedByKind[ballot[i] * Kinds.Length + kind]);
                    _voteLatency.Record(answers[i].Latency);
                    Interlocked.Increment(ref _votesPerSecond[SecondOf(sent + answers[i].Latency)]);
                    accepted.Add(_proposals[ballot[i]].Id);
                }
                else
                {
                    Count(_voteRefusals, answers[i].Code!, 1);
                }
            }

            Interlocked.Add(ref _votesAcked, accepted.Count);
            if (accepted.Count > 0)
            {
                BallotHash(voterId, accepted, _ballotHashes.AsSpan(participant * 32, 32));
                _counted[participant] = true;
            }

            Interlocked.Increment(ref _votersDone);
        }
        finally
        {
            await caller.DisposeAsync();
            Interlocked.Decrement(ref _connected);
        }
    }

    /// <summary>The whole second of its phase an answer came in (the last slot takes anything later).</summary>
    private int SecondOf(TimeSpan sincePhaseStart) => (int)Math.Clamp(sincePhaseStart.TotalSeconds, 0, _votesPerSecond.Length - 1);

    /// <summary>Distinct proposals by Zipf popularity.</summary>
    private static int[] Choose(Zipf zipf, Random random, int count)
    {
        var chosen = new int[count];
        for (var n = 0; n < count;)
        {
            var pick = zipf.Next(random);
            if (Array.IndexOf(chosen, pick, 0, n) < 0)
            {
                chosen[n++] = pick;
            }
        }

        return chosen;
    }

    /// <summary>The ballot hash of docs/protocol.md: SHA-256 of "ballot:v1", the voter id and the proposal ids, sorted, one per line.</summary>
    private static void BallotHash(string voterId, List<string> proposals, Span<byte> hash)
    {
        proposals.Sort(StringComparer.Ordinal);
        var text = new StringBuilder("ballot:v1\n").Append(voterId);
        foreach (var id in proposals)
        {
            text.Append('\n').Append(id);
        }

        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
    }

    /// <summary>The digest of docs/protocol.md over the ballots the tool saw acknowledged: SHA-256 of the sorted hashes, one per line.</summary>
    private string ExpectedDigest()
    {
        var counted = Enumerable.Range(0, _counted.Length).Where(i => _counted[i]).ToArray();
        var hashes = _ballotHashes;
        Array.Sort(counted, (a, b) => hashes.AsSpan(a * 32, 32).SequenceCompareTo(hashes.AsSpan(b * 32, 32)));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var i in counted)
        {
            sha.AppendData(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hashes, i * 32, 32) + "\n"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    // ---- Close, publication and checks ----------------------------------------------------------------------------

    private async Task<JamInfo> ChangePhaseAsync(string token, string phase, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/jam/phase") { Content = JsonContent.Create(new { phase }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/jam/phase {phase}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        return (await response.Content.ReadFromJsonAsync<JamInfo>(Web, ct))!;
    }

    /// <summary>Asks for the shortlist as a participant: 503 with Retry-After while the votes are counted, then the final one.</summary>
    private async Task<ShortlistView> WaitForShortlistAsync(string token, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/shortlist");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var shortlist = (await response.Content.ReadFromJsonAsync<ShortlistView>(Web, ct))!;
                if (shortlist.Status == "final")
                {
                    return shortlist;
                }
            }
            else if (response.StatusCode != HttpStatusCode.ServiceUnavailable || waited.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new InvalidOperationException($"GET /api/shortlist: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>
    /// The published shortlist against the acknowledged votes: every entry's votes and voters by kind, and the order
    /// the ranking rule gives the acknowledged counts; then each room's open proposals, whose live support must
    /// reach the acknowledged counts (the live ranking follows through a queue), and each room's post count.
    /// </summary>
    private async Task CheckAsync(string token, ShortlistView shortlist, CancellationToken ct)
    {
        if (shortlist.Votes != Interlocked.Read(ref _votesAcked))
        {
            _differences.Add($"published {shortlist.Votes:N0} votes, acknowledged {Interlocked.Read(ref _votesAcked):N0}");
        }

        var counted = _counted.LongCount(c => c);
        if (shortlist.Ballots != counted)
        {
            _differences.Add($"published {shortlist.Ballots:N0} ballots, acknowledged votes in {counted:N0}");
        }

        var index = _proposals.Select((p, j) => (p.Id, j)).ToDictionary(x => x.Id, x => x.j, StringComparer.Ordinal);
        foreach (var entry in shortlist.Proposals)
        {
            if (!index.TryGetValue(entry.ProposalId, out var j))
            {
                _differences.Add($"shortlisted {entry.ProposalId} is not a proposal the replay made");
                continue;
            }

            var byKind = Kinds.Select((k, n) => (k, n)).All(x => entry.VotersByKind.GetValueOrDefault(x.k) == _ackedByKind[j * Kinds.Length + x.n]);
            if (entry.Votes == _acked[j] && byKind)
            {
                _shortlistMatching++;
            }
            else
            {
                _differences.Add($"shortlisted {entry.ProposalId}: {entry.Votes:N0} votes published, {_acked[j]:N0} acknowledged{(byKind ? "" : "; voters by kind differ")}");
            }
        }

        var listed = new Dictionary<string, (ProposalListing Proposal, string ListedIn)>(StringComparer.Ordinal);
        var checkedFor = Stopwatch.StartNew();
        while (true)
        {
            listed.Clear();
            foreach (var room in _rooms)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "api/proposals?roomId=" + Uri.EscapeDataString(room.Id));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await _http.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
                foreach (var proposal in (await response.Content.ReadFromJsonAsync<List<ProposalListing>>(Web, ct))!)
                {
                    listed[proposal.ProposalId] = (proposal, room.Id);
                }
            }

            _proposalsListed = _proposals.Count(p => listed.TryGetValue(p.Id, out var l) && l.ListedIn == _rooms[p.Room].Id && l.Proposal.RoomId == l.ListedIn);
            _proposalsMatching = _proposals.Count(p => listed.TryGetValue(p.Id, out var l) && l.Proposal.Support == _acked[index[p.Id]]);
            if (_proposalsMatching == _proposals.Count || checkedFor.Elapsed > LiveSettle)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        foreach (var p in _proposals.Where(p => !listed.TryGetValue(p.Id, out var l) || l.Proposal.Support != _acked[index[p.Id]]).Take(5))
        {
            _differences.Add(listed.TryGetValue(p.Id, out var l)
                ? $"{p.Id}: live support {l.Proposal.Support:N0}, acknowledged {_acked[index[p.Id]]:N0}"
                : $"{p.Id} is not listed in room {_rooms[p.Room].Id}");
        }

        // The ranking rule (docs/protocol.md) applied to the acknowledged counts: more votes, then older, then id.
        var expected = _proposals
            .Where(p => listed.ContainsKey(p.Id))
            .Select(p => (p.Id, Votes: _acked[index[p.Id]], listed[p.Id].Proposal.ProposedAt))
            .OrderByDescending(x => x.Votes).ThenBy(x => x.ProposedAt).ThenBy(x => x.Id, StringComparer.Ordinal)
            .Take(shortlist.Proposals.Count)
            .Select(x => x.Id)
            .ToList();
        _rankingMatches = listed.Count > 0 && expected.SequenceEqual(shortlist.Proposals.OrderBy(e => e.Rank).Select(e => e.ProposalId), StringComparer.Ordinal);
        if (!_rankingMatches)
        {
            _differences.Add($"expected the shortlist {string.Join(", ", expected)}; published {string.Join(", ", shortlist.Proposals.OrderBy(e => e.Rank).Select(e => e.ProposalId))}");
        }

        var rooms = (await _http.GetFromJsonAsync<List<RoomListing>>("api/rooms", Web, ct))!.ToDictionary(r => r.Id, r => r.Posts, StringComparer.Ordinal);
        foreach (var room in _rooms)
        {
            if (rooms.GetValueOrDefault(room.Id) == room.Acked)
            {
                _roomsMatching++;
            }
            else
            {
                _differences.Add($"room {room.Id}: {rooms.GetValueOrDefault(room.Id):N0} posts, {room.Acked:N0} acknowledged");
            }
        }
    }

    // ---- Identities and connections --------------------------------------------------------------------------------

    private sealed record SignIn(string Token, string ParticipantId);

    /// <summary>An author keeps one identity for all its visits (and votes with it later).</summary>
    private Task<SignIn> AuthorAsync(int participant, CancellationToken ct) =>
        _authors.GetOrAdd(participant, p => SignInAsync(p, "participant", ct));

    /// <summary>Demo sign-in; participant i has the kind <c>Kinds[i % 4]</c> (the organizer and the auditor are -1 and -2).</summary>
    private async Task<SignIn> SignInAsync(int participant, string role, CancellationToken ct)
    {
        var body = new
        {
            displayName = participant >= 0 ? string.Create(CultureInfo.InvariantCulture, $"Participant {participant}") : role,
            role,
            kind = Kinds[Math.Abs(participant) % Kinds.Length],
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync("api/auth/demo", body, Web, ct);
                response.EnsureSuccessStatusCode();
                return (await response.Content.ReadFromJsonAsync<SignIn>(Web, ct))!;
            }
            catch (Exception ex) when (attempt < 3 && (ex is HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested)))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
        }
    }

    /// <summary>A lean connection, tried three times; null when all three failed.</summary>
    private async Task<LeanCaller?> ConnectAsync(string token, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                var invoker = _invokers[(int)((uint)Interlocked.Increment(ref _invokerTurn) % (uint)_invokers.Length)];
                return await LeanCaller.ConnectAsync(_hub, token, invoker, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                if (Interlocked.Increment(ref _connectFailures) <= 3)
                {
                    await Console.Error.WriteLineAsync($"connect failed: {ex.GetType().Name}: {ex.Message}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct);
            }
        }

        return null;
    }

    private static void Count(ConcurrentDictionary<string, long> counts, string code, long n) =>
        counts.AddOrUpdate(code, n, (_, old) => old + n);

    private async Task ProgressAsync(CancellationToken ct)
    {
        long lastPosts = 0, lastVotes = 0;
        var last = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                var seconds = Stopwatch.GetElapsedTime(last).TotalSeconds;
                last = Stopwatch.GetTimestamp();
                long posts = Interlocked.Read(ref _postsAcked), votes = Interlocked.Read(ref _votesAcked);
                var refused = _postRefusals.Values.Sum() + _proposalRefusals.Values.Sum() + _voteRefusals.Values.Sum();
                await _log.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{_options.Name}] {_clock.Elapsed.TotalSeconds:0} s, {_phase}: posts {posts:N0} ({(posts - lastPosts) / seconds:N0}/s), votes {votes:N0} ({(votes - lastVotes) / seconds:N0}/s), voters done {Interlocked.Read(ref _votersDone):N0}, connected {Volatile.Read(ref _connected):N0}, refused {refused:N0}"));
                (lastPosts, lastVotes) = (posts, votes);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed record JamInfo(string Phase, int VoteBudget, int ShortlistSize, DateTimeOffset ServerTime);

    private sealed record RoomListing(string Id, long Posts);

    private sealed record ProposeAck(string ProposalId);

    private sealed record ProposalListing(string ProposalId, string RoomId, DateTimeOffset ProposedAt, long Support);

    private sealed record ShortlistEntryView(int Rank, string ProposalId, long Votes, Dictionary<string, long> VotersByKind);

    private sealed record ShortlistView(
        string Status, string? Digest, int? Ballots, long? Votes, DateTimeOffset? PublishedAt, List<ShortlistEntryView> Proposals);
}
