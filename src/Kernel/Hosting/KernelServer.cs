using Kernel.Configuration;
using Kernel.Delivery;
using Kernel.Mailboxes;
using Kernel.Plugins;
using Kernel.Storage;
using Kernel.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Hosting;

/// <summary>
/// <c>kernel serve</c>: opens the stores, starts the configuration and mailbox change watchers, the delivery pipeline and the plugins
/// (which bind their listeners), logs <c>kernel started</c>, and on SIGTERM/Ctrl+C stops in the order design.md
/// gives: plugins first (listeners close), then the pipeline drains in-flight work with a deadline, then the stores.
/// </summary>
public sealed class KernelServer(IServiceProvider services, ILogger<KernelServer> logger)
{
    public static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(20);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<SqliteDatabase>();
        var swept = services.GetRequiredService<BodyStore>().SweepOrphans(database, TimeSpan.FromHours(1));
        if (swept > 0) logger.LogWarning("removed {Count} unreferenced body files left by an earlier crash", swept);
        await services.GetRequiredService<ConfigurationChangeWatcher>().StartAsync(cancellationToken);
        await services.GetRequiredService<MailboxChangeWatcher>().StartAsync(cancellationToken);
        await services.GetRequiredService<DeliveryWorker>().StartAsync(cancellationToken);
        // Before the plugins listen: a wrong certificate path fails the start with the key to fix.
        await services.GetRequiredService<ServerCertificates>().PrepareAsync(cancellationToken);
        var plugins = services.GetRequiredService<PluginHost>();
        await plugins.StartAsync(cancellationToken);
        services.GetRequiredService<IdleMemoryCompaction>().Start();
        logger.LogInformation("kernel started with data {Data}, plugins {Plugins}",
            database.DataDirectory,
            string.Join(", ", plugins.Plugins.Select(p => $"{p.Name}:{p.StateText}")));
    }

    public async Task StopAsync()
    {
        using var deadline = new CancellationTokenSource(DrainDeadline);
        logger.LogInformation("kernel stopping");
        await Step("idle memory compaction", () => services.GetRequiredService<IdleMemoryCompaction>().StopAsync());
        await Step("plugins", () => services.GetRequiredService<PluginHost>().StopAsync(deadline.Token));
        await Step("delivery", () => services.GetRequiredService<DeliveryWorker>().StopAsync(deadline.Token));
        await Step("configuration watcher", () => services.GetRequiredService<ConfigurationChangeWatcher>().StopAsync(deadline.Token));
        await Step("mailbox change watcher", () => services.GetRequiredService<MailboxChangeWatcher>().StopAsync(deadline.Token));
        logger.LogInformation("kernel stopped");
    }

    private async Task Step(string what, Func<Task> stop)
    {
        try
        {
            await stop();
        }
        catch (Exception e)
        {
            logger.LogError(e, "stopping {Part} failed", what);
        }
    }
}
