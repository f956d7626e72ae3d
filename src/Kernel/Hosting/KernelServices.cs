using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Authentication;
using Kernel.Bus;
using Kernel.Configuration;
using Kernel.Connections;
using Kernel.Delivery;
using Kernel.Dns;
using Kernel.Files;
using Kernel.Listeners;
using Kernel.Mailboxes;
using Kernel.Messages;
using Kernel.Plugins;
using Kernel.Queue;
using Kernel.Routing;
using Kernel.Signals;
using Kernel.Storage;
using Kernel.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kernel.Hosting;

/// <summary>
/// The one place the kernel's services are composed, for <c>serve</c> and for every CLI invocation alike: stores on
/// the data folder, the bus, the queue and pipeline, the plugin host. Plugins receive these through their MEF containers.
/// </summary>
public static class KernelServices
{
    public static ServiceProvider Build(KernelPaths paths, IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(paths);

        // The data folder is validated here, where it is opened, for serve and every CLI command alike (DataFolder).
        services.AddSingleton(_ => DataFolder.Open(paths.DataDirectory, paths.Access, paths.QuickCheck));
        services.AddSingleton(sp =>
        {
            var database = new SqliteDatabase(sp.GetRequiredService<DataFolder>().Path);
            database.Migrate();
            return database;
        });
        services.AddSingleton(sp => new BodyStore(sp.GetRequiredService<SqliteDatabase>(), InlineBodyLimitFrom(configuration)));
        services.AddSingleton<IMessageBus, InProcessMessageBus>();

        // Stores that keep per-account rows take part in account creation and removal (IAccountLifecycle). The
        // account store enumerates them lazily: the mailbox and file stores themselves depend on the account store.
        services.AddSingleton(sp => new SqliteAccountStore(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IMessageBus>(),
            new DeferredLifecycles(sp),
            sp.GetRequiredService<ILogger<SqliteAccountStore>>()));
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<SqliteAccountStore>());
        services.AddSingleton<SqliteConfigurationStore>();
        services.AddSingleton<IConfigurationStore>(sp => sp.GetRequiredService<SqliteConfigurationStore>());
        services.AddSingleton<ConfigurationChangeWatcher>();

        services.AddSingleton<SqliteMailboxStore>();
        services.AddSingleton<IMailboxStore>(sp => sp.GetRequiredService<SqliteMailboxStore>());
        services.AddSingleton<ILocalDelivery>(sp => sp.GetRequiredService<SqliteMailboxStore>());
        services.AddSingleton<IAccountLifecycle>(sp => sp.GetRequiredService<SqliteMailboxStore>());
        services.AddSingleton<MailboxChangeWatcher>();
        services.AddSingleton<DiskFileStore>();
        services.AddSingleton<IFileStore>(sp => sp.GetRequiredService<DiskFileStore>());
        services.AddSingleton<IAccountLifecycle>(sp => sp.GetRequiredService<DiskFileStore>());
        services.AddSingleton<SqliteLocationStore>();
        services.AddSingleton<ILocationStore>(sp => sp.GetRequiredService<SqliteLocationStore>());
        services.AddSingleton<IAccountLifecycle>(sp => sp.GetRequiredService<SqliteLocationStore>());

        services.AddSingleton<IDnsResolver, DnsClientResolver>();
        services.AddSingleton<IMessageFactory, MimeMessageFactory>();
        services.AddSingleton<ListenerRegistry>();
        services.AddSingleton<IListenerRegistry>(sp => sp.GetRequiredService<ListenerRegistry>());

        // Connection hosting (issue 7 §1): the kernel owns every TCP listener; one certificate service and one login
        // throttle for every protocol.
        services.AddSingleton(sp => new ServerCertificates(configuration, paths.DataDirectory, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ServerCertificates>>(), sp.GetRequiredService<IAccountStore>()));
        services.AddSingleton<ICertificateProvider>(sp => sp.GetRequiredService<ServerCertificates>());
        services.AddSingleton(sp => new LoginThrottle(LoginThrottleOptions.FromConfiguration(configuration), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LoginThrottle>>()));
        services.AddSingleton<ILoginThrottle>(sp => sp.GetRequiredService<LoginThrottle>());
        services.AddSingleton<ConnectionServer>();
        services.AddSingleton(sp => new IdleMemoryCompaction(IdleMemoryCompactionOptions.FromConfiguration(configuration),
            sp.GetRequiredService<ILogger<IdleMemoryCompaction>>()));

        // Routing: everyone holds the ActiveAddressRouter, which asks the Router plugin when one is loaded and the
        // kernel default otherwise.
        services.AddSingleton(sp => new DefaultAddressRouter(sp.GetRequiredService<IAccountStore>(), sp.GetRequiredService<IListenerRegistry>()));
        services.AddSingleton<IAddressRouter, ActiveAddressRouter>();
        services.AddSingleton(sp => new PluginStateTable(sp.GetRequiredService<SqliteDatabase>()));
        services.AddSingleton(sp => new PluginHost(
            PluginHostOptions.FromConfiguration(configuration, paths.DataDirectory, paths.PluginsDirectory),
            sp,
            loggerFactory,
            sp.GetRequiredService<IMessageBus>(),
            sp.GetRequiredService<DefaultAddressRouter>(),
            sp.GetRequiredService<PluginStateTable>()));
        services.AddSingleton(sp => new PluginAdministration(paths.PluginsDirectory, sp.GetRequiredService<PluginStateTable>(), sp.GetRequiredService<DataFolder>().Path));
        services.AddSingleton<IKernelExtensions>(sp => sp.GetRequiredService<PluginHost>());

        services.AddSingleton(QueueOptionsFrom(configuration));
        services.AddSingleton<SqliteMessageQueue>();
        services.AddSingleton<IMessageQueue>(sp => sp.GetRequiredService<SqliteMessageQueue>());
        services.AddSingleton<TransportDeliveries>();
        services.AddSingleton<IMailboxRightsLookup>(sp => new MailboxStoreRights(sp.GetRequiredService<IMailboxStore>()));
        services.AddSingleton<DeliveryWorker>();
        services.AddSingleton<KernelServer>();

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = false });
    }

    /// <summary>
    /// Queue settings from configuration: <c>Kernel:MaxMessageSize</c> (bytes), <c>Kernel:Delivery:ParkAfterFailures</c>,
    /// <c>Kernel:Delivery:ParkAfter</c> (seconds), <c>Kernel:Delivery:ParallelQueues</c> and <c>Kernel:Delivery:DeliveriesPerQueue</c>.
    /// </summary>
    private static QueueOptions QueueOptionsFrom(IConfiguration configuration)
    {
        var options = new QueueOptions();
        if (Positive(configuration, "Kernel:MaxMessageSize", "number of bytes", long.MaxValue) is { } max) options = options with { MaxMessageSize = max };
        if (Positive(configuration, "Kernel:Delivery:ParkAfterFailures", "number") is { } n) options = options with { ParkAfterFailures = (int)n };
        if (Positive(configuration, "Kernel:Delivery:ParkAfter", "number of seconds") is { } seconds) options = options with { ParkAfter = TimeSpan.FromSeconds(seconds) };
        if (Positive(configuration, "Kernel:Delivery:ParallelQueues", "number") is { } queues) options = options with { ParallelQueues = (int)queues };
        if (Positive(configuration, "Kernel:Delivery:DeliveriesPerQueue", "number") is { } perQueue) options = options with { DeliveriesPerQueue = (int)perQueue };
        return options;
    }

    /// <summary>A positive whole-number setting, or null when it is not set; anything else stops the start with the key named.</summary>
    private static long? Positive(IConfiguration configuration, string key, string what, long max = int.MaxValue)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value <= 0 || value > max)
            throw new KernelStartupException($"{key} must be a positive {what}, not '{text}'");
        return value;
    }

    /// <summary><c>Kernel:Storage:InlineBodyLimit</c> (bytes, default 64 KiB, 0 = every body a file): bodies up to it are kept inside the database (BodyStore).</summary>
    private static long InlineBodyLimitFrom(IConfiguration configuration)
    {
        var text = configuration["Kernel:Storage:InlineBodyLimit"];
        if (string.IsNullOrWhiteSpace(text)) return BodyStore.DefaultInlineLimit;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) || limit > BodyStore.MaxInlineLimit)
            throw new KernelStartupException($"Kernel:Storage:InlineBodyLimit must be a number of bytes (0 to {BodyStore.MaxInlineLimit}), not '{text}'");
        return limit;
    }

    /// <summary>Resolves the lifecycle participants on first enumeration, after the account store exists.</summary>
    private sealed class DeferredLifecycles(IServiceProvider services) : IEnumerable<IAccountLifecycle>
    {
        public IEnumerator<IAccountLifecycle> GetEnumerator() => services.GetServices<IAccountLifecycle>().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
