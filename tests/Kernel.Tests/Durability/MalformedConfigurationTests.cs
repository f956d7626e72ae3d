using Kernel.Testing;
using Kernel.Tests.Storage;

namespace Kernel.Tests.Durability;

/// <summary>
/// Issue 3 §8 "Bad data": a malformed <c>appsettings.json</c> in the working folder stops <c>kernel serve</c> (and any
/// other command) at once with one line on stderr naming the file and where it is wrong, a non-zero exit, no stack
/// trace, and nothing written (no data folder created).
/// </summary>
[Collection(ProcessTestCollection.Name)]
public sealed class MalformedConfigurationTests
{
    [Theory]
    [InlineData("{ \"Kernel\": ", "line 1, position 13")]                       // truncated
    [InlineData("{ \"Kernel\": { \"Plugins\": [ \"Smtp\" }", "line 1, position 35")] // unbalanced
    [InlineData("{\n  \"Kernel\": {\n    \"Data\": \"x\",\n  }\n  oops\n}", "line 5, position 3")]
    [InlineData("Kernel:Plugins=Smtp", "line 1, position 1")]                  // not JSON at all
    [InlineData("", "line 1, position 1")]                                      // empty
    [InlineData("[1, 2]", "Top-level JSON element must be an object")]
    [InlineData("{ \"a\": 1, \"a\": 2 }", "duplicate key 'a'")]
    public async Task Serve_with_a_malformed_appsettings_json_exits_with_one_line_naming_the_file(string content, string where)
    {
        using var folder = new TempDataFolder();
        var settings = Path.Combine(folder.Path, "appsettings.json");
        await File.WriteAllTextAsync(settings, content);
        var data = Path.Combine(folder.Path, "data");

        var result = await KernelCli.RunAsync(data, null, ["serve"], new KernelCliOptions { Timeout = TimeSpan.FromSeconds(30), WorkingDirectory = folder.Path });

        Assert.True(result.ExitCode != 0, result.ToString());
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"error: configuration file {settings} is malformed: ", line);
        Assert.Contains(where, line);
        Assert.DoesNotContain("kernel started", result.Output);
        Assert.False(Directory.Exists(data), "a data folder was created although the server never started");
    }

    [Fact]
    public async Task Every_command_refuses_the_malformed_file_the_same_way()
    {
        using var folder = new TempDataFolder();
        var settings = Path.Combine(folder.Path, "appsettings.json");
        await File.WriteAllTextAsync(settings, "{ \"Kernel\": { ");

        var result = await KernelCli.RunAsync(Path.Combine(folder.Path, "data"), null, ["domain", "add", "test.dom"], new KernelCliOptions { Timeout = TimeSpan.FromSeconds(30), WorkingDirectory = folder.Path });

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Equal($"error: configuration file {settings} is malformed: line 1, position 15: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.",
            result.Error.Trim());
        Assert.Empty(result.Output.Trim());
    }
}
