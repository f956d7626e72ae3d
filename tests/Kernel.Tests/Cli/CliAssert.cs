using Kernel.Testing;

namespace Kernel.Tests.Cli;

/// <summary>The CLI's contract: success is exit 0 with a quiet stderr; bad input is exactly one line on stderr, a non-zero exit and no output.</summary>
public static class CliAssert
{
    public static CliResult Ok(CliResult result)
    {
        Assert.True(result.ExitCode == 0 && result.Error.Length == 0, result.ToString());
        return result;
    }

    public static void FailsWithOneLine(CliResult result, params string[] fragments)
    {
        Assert.True(result.ExitCode != 0, "expected a non-zero exit\n" + result);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, "expected exactly one line on stderr\n" + result);
        Assert.True(lines[0].StartsWith("error: ", StringComparison.Ordinal), result.ToString());
        foreach (var fragment in fragments) Assert.True(lines[0].Contains(fragment, StringComparison.Ordinal), $"'{fragment}' missing\n{result}");
        Assert.True(result.Output.Length == 0, "a failed command printed output\n" + result);
    }
}
