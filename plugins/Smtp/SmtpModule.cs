using System.Composition;
using Kernel.Abstractions;

namespace Smtp;

/// <summary>The SMTP plugin's module: registers the listeners (smtp.md §2) with the kernel's connection host.</summary>
[Module("Smtp", "1.0.0")]
public sealed class SmtpModule : IModule
{
    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
