namespace JamServer.Moderation;

/// <summary>What recording a new post changed: its room's bucket and the jam's as they are now, and the shifts it raised (usually none).</summary>
public sealed record RecordResult(SentimentBucket RoomBucket, SentimentBucket JamBucket, IReadOnlyList<SentimentShift> Shifts);
