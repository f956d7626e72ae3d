using System.Composition;
using Kernel.Abstractions;

namespace Healthy;

/// <summary><c>kernel healthy ping [WORD]</c>: echoes its argument, so a test sees plugin CLI commands arrive.</summary>
[Export(typeof(ICliCommands))]
public sealed class HealthyCommands : ICliCommands
{
    public IReadOnlyList<CliCommand> Commands { get; } =
    [
        new CliCommand(["healthy", "ping"], "answers pong", [new CliArgument("word", "echoed back", Required: false)], [new CliOption("loud", "upper case", IsFlag: true)],
            async (invocation, cancellationToken) =>
            {
                var text = "pong " + (invocation.Argument("word") ?? "");
                await invocation.Out.WriteLineAsync(invocation.Flag("loud") ? text.ToUpperInvariant() : text);
                return 0;
            }),
    ];
}
