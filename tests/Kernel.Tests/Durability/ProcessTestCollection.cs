namespace Kernel.Tests.Durability;

/// <summary>
/// Tests that start real Kernel processes and drive them hard (thousands of fsyncs, SIGKILL): they run alone, not
/// beside other test classes, so their timing on a small machine does not depend on what else runs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTestCollection
{
    public const string Name = "Durability processes";
}
