namespace JamServer.Infrastructure;

/// <summary>Which jam this server runs, and the node it is.</summary>
public sealed record JamIdentity(string JamId, string NodeId);
