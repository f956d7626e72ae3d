using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Tests.Queue.Fakes;

public sealed class FakeKernelExtensions : IKernelExtensions
{
    public IAddressRouter Router { get; set; } = new FakeRouter();

    public IRuleEngine? RuleEngine { get; set; }

    private readonly Lock _gate = new();
    private readonly List<IMailTransport> _transports = [];

    /// <summary>Adds a transport; the worker may be reading the list at the same time (plugins come and go at run time).</summary>
    public void AddTransport(IMailTransport transport)
    {
        lock (_gate) _transports.Add(transport);
    }

    public IReadOnlyList<IMailTransport> MailTransports
    {
        get { lock (_gate) return _transports.ToList(); }
    }

    public IReadOnlyList<ISignalTransport> SignalTransports => [];

    public IReadOnlyList<ICliCommands> CliCommands => [];
}
