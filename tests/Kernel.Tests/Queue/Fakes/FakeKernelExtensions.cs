using Kernel.Abstractions;
using Kernel.Plugins;

namespace Kernel.Tests.Queue.Fakes;

public sealed class FakeKernelExtensions : IKernelExtensions
{
    public IAddressRouter Router { get; set; } = new FakeRouter();

    public IRuleEngine? RuleEngine { get; set; }

    public List<IMailTransport> Transports { get; } = [];

    public IReadOnlyList<IMailTransport> MailTransports => Transports.ToList();

    public IReadOnlyList<ISignalTransport> SignalTransports => [];

    public IReadOnlyList<ICliCommands> CliCommands => [];
}
