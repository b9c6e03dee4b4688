using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using JamServer.Discussion;
using JamServer.IntegrationTests.Support;
using JamServer.Proposals;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace JamServer.IntegrationTests.Faults;

/// <summary>
/// A PostgreSQL of the test's own, crashed (<c>pg_ctl stop -m immediate</c>) or paused (SIGSTOP) under a running server
/// with clients writing, then brought back. Every write during the outage must fail fast with UNAVAILABLE, the server
/// must stay up, and after the return every post a client resent by its clientId must be stored exactly once.
/// </summary>
[Collection(TimingSensitiveCollection.Name)]
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    /// <summary>The longest a write may take to fail while PostgreSQL is away.</summary>
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);

    /// <summary>The longest the server may take to write again once PostgreSQL is back.</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(15);

    private const string Room = "water";

    [Fact]
    public async Task While_PostgreSQL_is_crashed_writes_fail_fast_with_UNAVAILABLE_and_resent_posts_are_stored_once_after_it_returns()
    {
        var started = Stopwatch.StartNew();
        await using var postgres = await OwnPostgres.StartAsync();
        await using var server = StartServer(postgres, "pg-crash");
        await server.StartAsync();
        using var anonymous = server.As();
        var organizer = await anonymous.SignInAsync("organizer");
        using var asOrganizer = server.As(organizer);
        var writers = await ConnectWritersAsync(server, anonymous, count: 3);
        await using var proposer = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());

        // Its own connection: a connection's hub calls run one at a time, so a probe on a writer's would queue behind its posts.
        await using var prober = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync());
        await using var latecomer = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync(), acceptGuidelines: false);
        var thread = await proposer.PostAsync(Room, "A thread to become a proposal");
        var load = new PostLoad(writers);
        var running = Task.CompletedTask;

        try
        {
            running = load.RunAsync();
            await Within.EventuallyAsync(() => Task.FromResult(load.Acknowledged >= 15), "some posts are acknowledged");

            await postgres.CrashAsync();
            var crashedAt = Stopwatch.GetTimestamp();
            var outage = new List<Answer>
            {
                await TimeAsync("post", () => prober.PostAsync(Room, "Posted while PostgreSQL is down")),
                await TimeAsync("propose", () => proposer.ProposeAsync(Room, thread.PostId, "Kept through the outage", clientId: "proposal-1")),
                await TimeAsync("flag", () => prober.FlagAsync(thread.PostId)),
                await TimeAsync("accept guidelines", () => latecomer.Connection.InvokeAsync<global::JamServer.Moderation.GuidelinesAck>("AcceptGuidelines").Timely()),
                await TimeAsync("join room", () => prober.JoinAsync("oceans")),
                await TimeHttpAsync("change phase", () => asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" })),
                await TimeHttpAsync("read posts", () => asOrganizer.GetAsync(new Uri($"api/rooms/{Room}/posts", UriKind.Relative))),
            };
            Report(outage);
            await Within.EventuallyAsync(() => Task.FromResult(load.FailedSince(crashedAt) >= 6), "posts fail during the outage");
            await Within.EventuallyAsync(
                async () => (await anonymous.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.ServiceUnavailable,
                "readiness says PostgreSQL is down");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("health/live", UriKind.Relative)).Timely()).StatusCode);

            await postgres.StartAgainAsync();
            var backAt = Stopwatch.GetTimestamp();
            await Within.EventuallyAsync(() => Task.FromResult(load.AcknowledgedSince(backAt) >= 3), "posts are acknowledged again", Recovery);
            var recoveredIn = Stopwatch.GetElapsedTime(backAt);
            load.Stop();
            await running.Timely(TimeSpan.FromSeconds(30));
            await load.ResendUnacknowledgedAsync();
            var proposal = await proposer.ProposeAsync(Room, thread.PostId, "Kept through the outage", clientId: "proposal-1");
            Assert.Equal(ProposeIdea.ProposalIdOf(thread.PostId), proposal.ProposalId);
            (await asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();

            var stored = await asOrganizer.GetFromJsonAsync<List<PostDto>>($"api/rooms/{Room}/posts?limit=1000").Timely();
            var figures = load.Figures(stored!);
            output.WriteLine(figures.ToString());
            output.WriteLine($"writes again {recoveredIn.TotalMilliseconds:0} ms after PostgreSQL started; test took {started.Elapsed.TotalSeconds:0.0} s");

            Assert.All(outage, o => Assert.StartsWith("UNAVAILABLE", o.Outcome, StringComparison.Ordinal));
            Assert.All(outage, o => Assert.True(o.Took < FailFast, $"{o.What} took {o.Took}"));
            Assert.True(figures.SlowestFailure < FailFast, $"the slowest failed post took {figures.SlowestFailure}");
            Assert.Equal(figures.Sent, figures.Acknowledged);
            Assert.Equal(figures.Acknowledged, figures.Stored);
            Assert.Equal(0, figures.Lost);
            Assert.Equal(0, figures.Duplicates);
            Assert.Equal(Enumerable.Range(1, stored!.Count).Select(i => (long)i), stored.Select(p => p.Seq));
        }
        finally
        {
            load.Stop();
            await running.Timely(TimeSpan.FromSeconds(30));
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task While_PostgreSQL_hangs_votes_and_posts_time_out_with_UNAVAILABLE_and_every_vote_is_stored_once_after_it_resumes()
    {
        var started = Stopwatch.StartNew();
        await using var postgres = await OwnPostgres.StartAsync();
        await using var server = StartServer(postgres, "pg-hang");
        await server.StartAsync();
        using var anonymous = server.As();
        using var asOrganizer = server.As(await anonymous.SignInAsync("organizer"));
        var proposals = new List<string>();
        await using (var proposer = await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync()))
        {
            foreach (var title in new[] { "Before", "During" })
            {
                var thread = await proposer.PostAsync(Room, $"Thread for {title}");
                proposals.Add((await proposer.ProposeAsync(Room, thread.PostId, title)).ProposalId);
            }
        }

        (await asOrganizer.PostAsJsonAsync("api/jam/phase", new { phase = "Voting" }).Timely()).EnsureSuccessStatusCode();
        var writers = await ConnectWritersAsync(server, anonymous, count: 3);
        var voters = await ConnectWritersAsync(server, anonymous, count: 6);
        var load = new PostLoad(writers);
        var running = Task.CompletedTask;
        try
        {
            foreach (var voter in voters)
            {
                await voter.VoteAsync(proposals[0]);
            }

            running = load.RunAsync();
            await Within.EventuallyAsync(() => Task.FromResult(load.Acknowledged >= 15), "some posts are acknowledged");

            await postgres.SignalAllAsync("STOP");
            var hungAt = Stopwatch.GetTimestamp();
            var outage = (await Task.WhenAll(voters.Select((v, i) => TimeAsync($"vote {i}", () => v.VoteAsync(proposals[1]))))).ToList();
            using (var asVoter = server.As(voters[0].Who))
            {
                outage.Add(await TimeHttpAsync("read own votes", () => asVoter.GetAsync(new Uri("api/me/votes", UriKind.Relative))));
            }

            outage.Add(await TimeHttpAsync("read posts", () => asOrganizer.GetAsync(new Uri($"api/rooms/{Room}/posts", UriKind.Relative))));
            Report(outage);
            await Within.EventuallyAsync(() => Task.FromResult(load.FailedSince(hungAt) >= 6), "posts fail while PostgreSQL hangs");
            await Within.EventuallyAsync(
                async () => (await anonymous.GetAsync(new Uri("health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.ServiceUnavailable,
                "readiness says PostgreSQL is down");
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("health/live", UriKind.Relative)).Timely()).StatusCode);

            await postgres.SignalAllAsync("CONT");
            var backAt = Stopwatch.GetTimestamp();
            await Within.EventuallyAsync(() => Task.FromResult(load.AcknowledgedSince(backAt) >= 3), "posts are acknowledged again", Recovery);
            var recoveredIn = Stopwatch.GetElapsedTime(backAt);
            load.Stop();
            await running.Timely(TimeSpan.FromSeconds(30));
            await load.ResendUnacknowledgedAsync();

            // A vote has no client id: after UNAVAILABLE the voter votes again, and ALREADY_VOTED says the first one was stored.
            var resent = await Task.WhenAll(voters.Select(v => TimeAsync("vote again", () => v.VoteAsync(proposals[1]))));
            var ballots = new List<IReadOnlyList<string>>();
            foreach (var voter in voters)
            {
                using var asVoter = server.As(voter.Who);
                ballots.Add((await asVoter.GetFromJsonAsync<MyVotes>("api/me/votes").Timely())!.Proposals);
            }

            var stored = await asOrganizer.GetFromJsonAsync<List<PostDto>>($"api/rooms/{Room}/posts?limit=1000").Timely();
            var figures = load.Figures(stored!);
            output.WriteLine(figures.ToString());
            output.WriteLine($"votes: sent {voters.Count * 2}, acknowledged {voters.Count + resent.Count(r => r.Outcome == "succeeded")}, "
                + $"already stored on resend {resent.Count(r => r.Outcome.StartsWith("ALREADY_VOTED", StringComparison.Ordinal))}, "
                + $"stored {ballots.Sum(b => b.Count)}");
            output.WriteLine($"writes again {recoveredIn.TotalMilliseconds:0} ms after PostgreSQL resumed; test took {started.Elapsed.TotalSeconds:0.0} s");

            Assert.All(outage, o => Assert.StartsWith("UNAVAILABLE", o.Outcome, StringComparison.Ordinal));
            Assert.All(outage, o => Assert.True(o.Took < FailFast, $"{o.What} took {o.Took}"));
            Assert.True(figures.SlowestFailure < FailFast, $"the slowest failed post took {figures.SlowestFailure}");
            Assert.All(resent, r => Assert.True(r.Outcome == "succeeded" || r.Outcome.StartsWith("ALREADY_VOTED", StringComparison.Ordinal), r.Outcome));
            Assert.All(ballots, b => Assert.Equal(proposals.Order(StringComparer.Ordinal), b));
            Assert.Equal(figures.Sent, figures.Acknowledged);
            Assert.Equal(figures.Acknowledged, figures.Stored);
            Assert.Equal(0, figures.Lost);
            Assert.Equal(0, figures.Duplicates);
        }
        finally
        {
            load.Stop();
            await running.Timely(TimeSpan.FromSeconds(30));
            foreach (var client in writers.Concat(voters))
            {
                await client.DisposeAsync();
            }
        }
    }

    private sealed record Answer(string What, string Outcome, TimeSpan Took);

    private sealed record MyVotes(int Budget, int Remaining, IReadOnlyList<string> Proposals);

    private void Report(IEnumerable<Answer> answers)
    {
        foreach (var (what, outcome, took) in answers)
        {
            output.WriteLine($"while PostgreSQL is away: {what,-18} {outcome} in {took.TotalMilliseconds:0} ms");
        }
    }

    private static ServerProcess StartServer(OwnPostgres postgres, string prefix) =>
        new(prefix + JamClient.NewId()[..8], new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["Jam__PostsPerSecond"] = "1000",
            ["Jam__PostBurst"] = "1000",
        });

    private static async Task<List<JamClient>> ConnectWritersAsync(ServerProcess server, HttpClient anonymous, int count)
    {
        var writers = new List<JamClient>();
        for (var i = 0; i < count; i++)
        {
            writers.Add(await JamClient.ConnectAsync(server.BaseAddress, await anonymous.SignInAsync()));
        }

        return writers;
    }

    private static async Task<Answer> TimeAsync<T>(string what, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call();
            return new Answer(what, "succeeded", Stopwatch.GetElapsedTime(started));
        }
        catch (HubException refused)
        {
            return new Answer(what, refused.Message, Stopwatch.GetElapsedTime(started));
        }
        catch (TimeoutException)
        {
            return new Answer(what, "no answer", Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task<Answer> TimeHttpAsync(string what, Func<Task<HttpResponseMessage>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await call().Timely();
            var body = await response.Content.ReadAsStringAsync();
            var code = response.IsSuccessStatusCode
                ? "succeeded"
                : System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
            return new Answer(what, $"{code} ({(int)response.StatusCode}, Retry-After {response.Headers.RetryAfter?.Delta?.TotalSeconds})", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is TimeoutException or TaskCanceledException)
        {
            return new Answer(what, "no answer", Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Writers posting one after another with a fresh clientId each, recording every answer.</summary>
    private sealed class PostLoad(IReadOnlyList<JamClient> writers)
    {
        private readonly ConcurrentDictionary<string, Sent> _sent = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<(long At, TimeSpan Took, string Outcome)> _answers = new();
        private volatile bool _stopped;
        private int _attempts;

        public int Acknowledged => _sent.Values.Count(s => s.Ack is not null);

        /// <summary>Runs until <see cref="Stop"/>.</summary>
        public Task RunAsync() => Task.WhenAll(writers.Select((w, i) => Task.Run(() => WriteAsync(w, i))));

        public void Stop() => _stopped = true;

        public int FailedSince(long timestamp) => _answers.Count(a => a.At >= timestamp && a.Outcome != "ok");

        public int AcknowledgedSince(long timestamp) => _answers.Count(a => a.At >= timestamp && a.Outcome == "ok");

        /// <summary>What a client does after UNAVAILABLE or no answer: the same post again, by its clientId, until acknowledged.</summary>
        public async Task ResendUnacknowledgedAsync()
        {
            foreach (var sent in _sent.Values.Where(s => s.Ack is null))
            {
                for (var attempt = 0; sent.Ack is null; attempt++)
                {
                    Assert.True(attempt < 20, $"post {sent.ClientId} was never acknowledged");
                    if (!await TryPostAsync(writers[sent.Writer], sent))
                    {
                        await Task.Delay(250);
                    }
                }
            }
        }

        public Figures Figures(IReadOnlyList<PostDto> stored)
        {
            var ours = stored.Where(p => p.Body.StartsWith("load ", StringComparison.Ordinal)).ToList();
            var byBody = ours.GroupBy(p => p.Body).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var acked = _sent.Values.Where(s => s.Ack is not null).ToList();
            var failures = _answers.Where(a => a.Outcome != "ok").ToList();
            return new Figures(
                _sent.Count,
                Volatile.Read(ref _attempts),
                acked.Count,
                ours.Count,
                acked.Count(s => !byBody.ContainsKey(s.Body)),
                byBody.Values.Sum(n => n - 1),
                ours.Count(p => !_sent.TryGetValue(p.Body, out var s) || s.Ack is null),
                failures.Count,
                failures.Count(f => f.Outcome.StartsWith("UNAVAILABLE", StringComparison.Ordinal)),
                failures.Select(f => f.Took).DefaultIfEmpty().Max(),
                acked.All(s => ours.FirstOrDefault(p => p.Body == s.Body)?.PostId == s.Ack!.PostId));
        }

        private async Task WriteAsync(JamClient writer, int index)
        {
            for (var i = 0; !_stopped; i++)
            {
                var clientId = $"w{index}-{i}-{JamClient.NewId()[..6]}";
                var sent = _sent[$"load {clientId}"] = new Sent(index, clientId, $"load {clientId}");
                if (!await TryPostAsync(writer, sent))
                {
                    // A client backs off a little after UNAVAILABLE; a fresh post follows, the failed one is resent at the end.
                    await Task.Delay(100);
                }
            }
        }

        private async Task<bool> TryPostAsync(JamClient writer, Sent sent)
        {
            Interlocked.Increment(ref _attempts);
            var started = Stopwatch.GetTimestamp();
            string outcome;
            try
            {
                sent.Ack = await writer.PostAsync(Room, sent.Body, clientId: sent.ClientId);
                outcome = "ok";
            }
            catch (HubException refused)
            {
                outcome = refused.Message;
            }
            catch (TimeoutException)
            {
                outcome = "no answer";
            }

            _answers.Enqueue((Stopwatch.GetTimestamp(), Stopwatch.GetElapsedTime(started), outcome));
            return sent.Ack is not null;
        }
    }

    private sealed class Sent(int writer, string clientId, string body)
    {
        public int Writer { get; } = writer;

        public string ClientId { get; } = clientId;

        public string Body { get; } = body;

        public PostAck? Ack { get; set; }
    }

    private sealed record Figures(
        int Sent, int Attempts, int Acknowledged, int Stored, int Lost, int Duplicates, int StoredUnacknowledged,
        int Failures, int Unavailable, TimeSpan SlowestFailure, bool AcksMatchStore)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"posts: sent {Sent}, attempts {Attempts}, acknowledged {Acknowledged}, stored {Stored}, lost {Lost}, duplicates {Duplicates}, stored unacknowledged {StoredUnacknowledged}; failed answers {Failures} ({Unavailable} UNAVAILABLE), slowest {SlowestFailure.TotalMilliseconds:0} ms; acks match store: {AcksMatchStore}");
    }
}
