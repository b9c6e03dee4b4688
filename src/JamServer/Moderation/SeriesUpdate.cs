namespace JamServer.Moderation;

/// <summary>The buckets a newly recorded post went into, as they are now: its room's and the whole jam's.</summary>
public sealed record SeriesUpdate(SentimentBucket RoomBucket, SentimentBucket JamBucket);
