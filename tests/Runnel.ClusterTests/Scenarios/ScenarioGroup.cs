namespace Runnel.ClusterTests.Scenarios;

/// <summary>
/// Scenarios run one at a time and apart from other tests: each runs several servers and clients on two cores, and a
/// neighbour's load would turn timeouts into false faults.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScenarioGroup
{
    public const string Name = "cluster scenarios";
}
