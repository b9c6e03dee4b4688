namespace JamServer.IntegrationTests.Support;

/// <summary>
/// Tests that start their own servers and either load the machine (the load smoke run, the crash test) or check
/// timing (the phase clock): they run one at a time, after the others, so that they neither disturb nor are
/// disturbed on two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitiveCollection
{
    public const string Name = "Own servers, one at a time";
}
