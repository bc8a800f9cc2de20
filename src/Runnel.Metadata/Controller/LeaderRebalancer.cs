using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Metadata.Control;

namespace Runnel.Metadata.Controller;

/// <summary>auto.leader.rebalance.enable and its two settings (Kafka's names and defaults: 300 s, 10 %).</summary>
/// <param name="CheckInterval">leader.imbalance.check.interval.seconds.</param>
/// <param name="ImbalancePercentage">leader.imbalance.per.broker.percentage.</param>
public sealed record LeaderRebalanceSettings(bool Enabled, TimeSpan CheckInterval, int ImbalancePercentage)
{
    public static readonly LeaderRebalanceSettings Default = new(true, TimeSpan.FromSeconds(300), 10);
}

/// <summary>
/// Auto leader rebalance (Kafka's periodic balancePartitionLeaders): every check interval, on the injected
/// <see cref="TimeProvider"/>'s timer, the active controller commits preferred elections for the brokers whose
/// imbalance is above the percentage (<see cref="ReplicationControlManager.RebalanceLeaders"/>). A pass that hit the
/// per-pass limit runs again at once, as Kafka reschedules it immediately. A node that is not the active controller
/// does nothing on its ticks.
/// </summary>
public sealed class LeaderRebalancer(QuorumController controller, LeaderRebalanceSettings settings, TimeProvider time, ILogger? logger = null)
{
    /// <summary>Partitions one pass may change (Kafka's maxElectionsPerImbalance).</summary>
    public const int MaxElectionsPerPass = 1000;

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Runs passes on the timer until <paramref name="stopping"/> fires; returns at once when disabled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        if (!settings.Enabled)
            return;
        using var timer = new PeriodicTimer(settings.CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                while (await RebalanceOnceAsync(stopping).ConfigureAwait(false) >= MaxElectionsPerPass)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass on the active controller: how many partitions it moved back to their preferred leader.</summary>
    public async Task<int> RebalanceOnceAsync(CancellationToken cancellation = default)
    {
        if (!controller.Loader.IsActiveController)
            return 0;
        try
        {
            var moved = await controller.ExecuteAsync(image => ReplicationControlManager.RebalanceLeaders(image, settings.ImbalancePercentage, MaxElectionsPerPass),
                cancellation).ConfigureAwait(false);
            if (moved > 0)
                _logger.LogInformation("Auto leader rebalance moved {Count} partition(s) back to their preferred leader", moved);
            return moved;
        }
        catch (Exception e) when (e is NotControllerException or TimeoutException)
        {
            return 0;
        }
    }
}
