using System.CommandLine;

namespace Kernel.Cli;

/// <summary>Options every command shares.</summary>
public static class CliOptions
{
    /// <summary><c>--data DIR</c> on every command (default <c>./data</c> or <c>KERNEL_DATA</c>).</summary>
    public static Option<string?> Data { get; } = new("--data")
    {
        Description = "the data folder (default ./data, or KERNEL_DATA)",
        Recursive = true,
    };

    /// <summary><c>--json</c> on listings.</summary>
    public static Option<bool> Json() => new("--json") { Description = "print JSON instead of text" };
}
