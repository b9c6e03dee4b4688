using JamServer.Moderation;

namespace JamServer.Tests.Moderation;

public sealed class ShiftDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly List<SentimentShift> _shifts = [];
    private ShiftDetector _detector = Small();
    private int _posts;

    /// <summary>The rules at the scale of a test: windows of 30 s, a mood needs 3 scored posts.</summary>
    private static ShiftDetector Small(double margin = 0.05) =>
        new(new ModerationOptions { ShiftWindow = Window, ShiftMinVolume = 3, MoodMargin = margin });

    private static DateTimeOffset At(double seconds) => Start.AddSeconds(seconds);

    private IReadOnlyList<SentimentShift> Post(double seconds, double? score, string room = "a", string? id = null)
    {
        var shifts = _detector.Observe(room, id ?? "p" + ++_posts, At(seconds), score);
        _shifts.AddRange(shifts);
        return shifts;
    }

    private void Posts(double from, double to, double score, string room = "a")
    {
        for (var s = from; s <= to; s++)
        {
            Post(s, score, room);
        }
    }

    private List<string> Kinds(string? room = "a") => [.. _shifts.Where(s => s.RoomId == room).Select(s => s.Kind)];

    [Fact]
    public void A_run_of_negative_then_positive_posts_raises_a_turned_constructive_shift()
    {
        Posts(0, 3, -0.8);
        Posts(4, 11, 0.8);

        var shift = Assert.Single(_shifts, s => s.RoomId == "a");
        Assert.Equal(ShiftKinds.TurnedConstructive, shift.Kind);
        // The mean first reaches +0.05 with the fifth positive post: (4 × −0.8 + 5 × 0.8) / 9.
        Assert.Equal(At(8), shift.DetectedAt);
        Assert.Equal((9, 4.0 / 9, At(8) - Window, At(8)), (shift.After.Volume, shift.After.ShareNegative, shift.After.From, shift.After.To));
        Assert.Equal(0.8 / 9, shift.After.Mean!.Value, 9);
        // Before: the last window that was still clearly negative, with the third positive post.
        Assert.Equal(7, shift.Before.Volume);
        Assert.Equal(-0.8 / 7, shift.Before.Mean!.Value, 9);
        Assert.Equal(4.0 / 7, shift.Before.ShareNegative, 9);
        Assert.Equal((At(6) - Window, At(6)), (shift.Before.From, shift.Before.To));
        // The posts pulling hardest upward; equal scores go to the newest first.
        Assert.Equal(["p9", "p8", "p7", "p6", "p5"], shift.PostIds);
    }

    [Fact]
    public void The_jam_sees_the_same_turn_as_its_only_room()
    {
        Posts(0, 3, -0.8);
        Posts(4, 11, 0.8);

        Assert.Equal([ShiftKinds.TurnedConstructive], Kinds(null));
        Assert.Equal(2, _shifts.Count);
    }

    [Fact]
    public void The_first_mood_established_is_not_an_alert()
    {
        Posts(0, 10, -0.9);
        Posts(20, 30, -0.7, room: "b");

        Assert.Empty(_shifts);
    }

    [Fact]
    public void A_mood_needs_the_minimum_volume_in_the_window()
    {
        Posts(0, 1, -0.9);
        Posts(40, 41, 0.9);
        Posts(80, 81, -0.9);

        Assert.Empty(_shifts);
    }

    [Fact]
    public void Constructive_turning_negative_raises_turned_negative_with_the_most_negative_posts()
    {
        Posts(0, 3, 0.4);
        Post(4, -0.9);
        Post(5, -0.2);
        Post(6, -1);

        var shift = Assert.Single(_shifts, s => s.RoomId == "a");
        Assert.Equal(ShiftKinds.TurnedNegative, shift.Kind);
        Assert.Equal(At(6), shift.DetectedAt);
        Assert.Equal(["p7", "p5", "p6", "p4", "p3"], shift.PostIds);
    }

    [Fact]
    public void A_mean_wobbling_around_zero_within_the_margin_does_not_alert()
    {
        Posts(0, 2, -0.1);
        for (var s = 3; s < 200; s++)
        {
            Post(s * 10, s % 2 == 0 ? 0.1 : -0.1);
        }

        Assert.Empty(_shifts);
    }

    [Fact]
    public void Without_a_margin_the_same_wobble_alerts_at_every_turn()
    {
        _detector = Small(margin: 0);
        Posts(0, 2, -0.1);
        for (var s = 3; s < 20; s++)
        {
            Post(s * 10, s % 2 == 0 ? 0.1 : -0.1);
        }

        Assert.True(Kinds().Count > 5);
    }

    [Fact]
    public void A_move_beyond_the_threshold_between_the_windows_raises_rose()
    {
        Posts(0, 3, 0.1);
        Posts(40, 42, 0.7);

        var shift = Assert.Single(_shifts, s => s.RoomId == "a");
        Assert.Equal(ShiftKinds.Rose, shift.Kind);
        Assert.Equal(At(42), shift.DetectedAt);
        Assert.Equal((4, 0.1), (shift.Before.Volume, Math.Round(shift.Before.Mean!.Value, 9)));
        Assert.Equal((At(42) - (2 * Window), At(42) - Window), (shift.Before.From, shift.Before.To));
        Assert.Equal((3, 0.7), (shift.After.Volume, Math.Round(shift.After.Mean!.Value, 9)));
        Assert.Equal(["p7", "p6", "p5"], shift.PostIds);
    }

    [Fact]
    public void A_sustained_rise_raises_one_move_alert_during_the_cooldown()
    {
        Posts(0, 30, 0.1);
        Posts(31, 120, 0.7);

        // The move holds from 48 s (after 0.46 against before 0.1) for many posts; one alert covers it.
        var shift = Assert.Single(_shifts, s => s.RoomId == "a");
        Assert.Equal((ShiftKinds.Rose, At(48)), (shift.Kind, shift.DetectedAt));
    }

    [Fact]
    public void After_the_cooldown_a_new_move_alerts_again()
    {
        Posts(0, 3, 0.1);
        Posts(40, 50, 0.7);
        Posts(72, 90, 0.2);

        var moves = _shifts.Where(s => s.RoomId == "a").ToList();
        Assert.Equal([ShiftKinds.Rose, ShiftKinds.Fell], moves.Select(s => s.Kind));
        Assert.Equal(At(42), moves[0].DetectedAt);
        Assert.True(moves[1].DetectedAt >= moves[0].DetectedAt + Window);
    }

    [Fact]
    public void A_crossing_takes_precedence_over_a_move_at_the_same_moment_and_covers_it()
    {
        Posts(0, 3, -0.3);
        Posts(40, 50, 0.3);

        var shift = Assert.Single(_shifts, s => s.RoomId == "a");
        Assert.Equal((ShiftKinds.TurnedConstructive, At(42)), (shift.Kind, shift.DetectedAt));
        Assert.Equal((4, At(3)), (shift.Before.Volume, shift.Before.To));
    }

    [Fact]
    public void The_jam_can_turn_while_no_room_has_the_volume_to()
    {
        Post(0, -0.5, "a");
        Post(1, -0.5, "b");
        Post(2, -0.5, "c");
        Post(10, 0.5, "a");
        Post(11, 0.5, "b");
        Post(12, 0.5, "c");
        Post(13, 0.5, "d");
        Post(14, 0.5, "e");

        var shift = Assert.Single(_shifts);
        Assert.Equal((null, ShiftKinds.TurnedConstructive), (shift.RoomId, shift.Kind));
    }

    [Fact]
    public void A_room_can_turn_while_the_jam_holds_its_mood()
    {
        Posts(0, 3, -0.6, room: "a");
        Posts(0, 20, -0.6, room: "b");
        Posts(4, 11, 0.8, room: "a");

        Assert.Equal([ShiftKinds.TurnedConstructive], Kinds("a"));
        Assert.Empty(Kinds(null));
        Assert.Empty(Kinds("b"));
    }

    [Fact]
    public void A_late_post_within_the_after_window_counts_in_its_place()
    {
        Posts(0, 2, -0.5);
        Post(10, 0.5);
        Post(11, 0.5);

        // (3 × −0.5 + 2 × 0.5 + 0.9) / 6 = 0.067: constructive, at the newest post's time.
        var shift = Assert.Single(Post(5, 0.9), s => s.RoomId == "a");

        Assert.Equal((ShiftKinds.TurnedConstructive, At(11), 6), (shift.Kind, shift.DetectedAt, shift.After.Volume));
        Assert.Equal("p6", shift.PostIds[0]);
    }

    [Fact]
    public void A_late_post_within_the_before_window_counts_in_its_place()
    {
        Posts(0, 3, 0.1);
        Posts(40, 41, 0.7);
        Post(5, 0.1);

        var shift = Assert.Single(Post(42, 0.7), s => s.RoomId == "a");

        Assert.Equal((ShiftKinds.Rose, 5, 3), (shift.Kind, shift.Before.Volume, shift.After.Volume));
    }

    [Fact]
    public void Posts_older_than_the_before_window_are_ignored()
    {
        Posts(100, 102, 0.5);

        Posts(0, 40, -1);

        Assert.Empty(_shifts);
        Posts(80, 82, -1);
        Assert.Equal([ShiftKinds.TurnedNegative], Kinds());
    }

    [Fact]
    public void After_a_long_silence_old_posts_no_longer_count()
    {
        Posts(0, 10, -0.9);

        var shifts = new List<SentimentShift>();
        for (var s = 3600; s < 3603; s++)
        {
            shifts.AddRange(Post(s, 0.3));
        }

        var shift = Assert.Single(shifts, s => s.RoomId == "a");
        Assert.Equal((ShiftKinds.TurnedConstructive, 3), (shift.Kind, shift.After.Volume));
        // Before: the last window that was clearly negative, an hour ago.
        Assert.Equal((11, At(10)), (shift.Before.Volume, shift.Before.To));
    }

    [Fact]
    public void Unscored_posts_change_nothing()
    {
        Posts(0, 3, -0.8);
        for (var s = 4; s < 12; s++)
        {
            Assert.Empty(Post(s, null));
        }

        Post(12, 0.8);
        Assert.Empty(_shifts);
    }

    [Fact]
    public void The_alert_id_names_the_scope_the_kind_and_the_windows_slot_so_a_replay_names_it_alike()
    {
        Posts(0, 3, -0.8);
        Posts(4, 11, 0.8);
        var here = _shifts.ToList();

        _detector = Small();
        _shifts.Clear();
        _posts = 0;
        Posts(0, 3, -0.8);
        Posts(4, 11, 0.8);

        Assert.Equal(here.Select(s => s.AlertId), _shifts.Select(s => s.AlertId));
        var slot = (At(8) - DateTimeOffset.UnixEpoch).Ticks / here[0].Window.Ticks;
        Assert.Equal($"shift:room:a:turned_constructive:{slot}", here[0].AlertId);
        Assert.Equal($"shift:jam:turned_constructive:{slot}", here[1].AlertId);
    }

    [Fact]
    public void Rooms_fed_from_many_threads_at_once_each_see_their_own_turn()
    {
        var detector = new ShiftDetector(new ModerationOptions { ShiftWindow = TimeSpan.FromMinutes(1), ShiftMinVolume = 50 });
        var shifts = new System.Collections.Concurrent.ConcurrentBag<SentimentShift>();
        Parallel.For(0, 8, room =>
        {
            for (var i = 0; i < 1000; i++)
            {
                foreach (var shift in detector.Observe("r" + room, $"p{room}-{i}", Start.AddSeconds(i / 5.0), i < 500 ? -0.6 : 0.6))
                {
                    shifts.Add(shift);
                }
            }
        });

        // Each room's posts came in order from one thread: every room saw the same shifts as if alone.
        var alone = new ShiftDetector(new ModerationOptions { ShiftWindow = TimeSpan.FromMinutes(1), ShiftMinVolume = 50 });
        var expected = Enumerable.Range(0, 1000)
            .SelectMany(i => alone.Observe("r", $"p-{i}", Start.AddSeconds(i / 5.0), i < 500 ? -0.6 : 0.6))
            .Where(s => s.RoomId is not null)
            .Select(s => (s.Kind, s.DetectedAt))
            .ToList();
        // Rose while still negative, turned constructive 15 s later, rose again a window after the turn.
        Assert.Equal(
            [(ShiftKinds.Rose, Start.AddSeconds(117.4)), (ShiftKinds.TurnedConstructive, Start.AddSeconds(132.4)), (ShiftKinds.Rose, Start.AddSeconds(192.4))],
            expected);
        Assert.All(Enumerable.Range(0, 8), room =>
            Assert.Equal(expected, shifts.Where(s => s.RoomId == "r" + room).OrderBy(s => s.DetectedAt).Select(s => (s.Kind, s.DetectedAt))));
        // The jam's posts came in whatever order the threads ran; its windows stay within what was posted.
        Assert.All(shifts.Where(s => s.RoomId is null), s => Assert.InRange(s.After.Volume + s.Before.Volume, 50, 8000));
    }

    [Fact]
    public void A_shift_seen_a_little_later_elsewhere_keeps_its_alert_id()
    {
        Posts(0, 3, -0.8);
        Posts(4, 11, 0.8);
        var here = _shifts.Single(s => s.RoomId == "a");

        // Another node got the first positive post late, after the others: it sees the turn one post later.
        _detector = Small();
        _shifts.Clear();
        Posts(0, 3, -0.8);
        Posts(5, 11, 0.8);
        Post(11.5, 0.8, id: "late");
        var there = _shifts.Single(s => s.RoomId == "a");

        Assert.NotEqual(here.DetectedAt, there.DetectedAt);
        Assert.Equal(here.AlertId, there.AlertId);
    }
}
