using System.Reflection;
using DnsClient;
using Kernel.Abstractions;

namespace DnsProbe180;

/// <summary>
/// Reports the DnsClient version this plugin actually runs (file <c>dnsclient-version</c> in its data folder), so a
/// test can prove that two plugins load different versions of one package side by side.
/// </summary>
[Module("DnsProbe180", "1.0.0")]
public sealed class DnsProbe180Module : IModule
{
    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        // Touch a real DnsClient type so its assembly is loaded through this plugin's load context.
        var options = new LookupClientOptions(System.Net.IPAddress.Loopback) { UseCache = false };
        var assembly = options.GetType().Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version!.ToString();
        File.WriteAllText(Path.Combine(context.DataDirectory, "dnsclient-version"), version.Split('+')[0]);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
