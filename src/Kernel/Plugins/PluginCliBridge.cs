using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>
/// Turns the SDK's <see cref="CliCommand"/> descriptions into System.CommandLine commands under the root command,
/// merging a path such as <c>["route", "test"]</c> into existing groups. A plugin command's exception becomes one
/// line on stderr and exit code 1.
/// </summary>
public static class PluginCliBridge
{
    /// <summary>Adds every command of every export; returns one line per command skipped because the name was taken.</summary>
    public static IReadOnlyList<string> AddCommands(Command root, IEnumerable<ICliCommands> exports, IServiceProvider services, TextReader? input = null) =>
        AddCommands(root, exports.SelectMany(e => e.Commands), services, input);

    public static IReadOnlyList<string> AddCommands(Command root, IEnumerable<CliCommand> commands, IServiceProvider services, TextReader? input = null)
    {
        var conflicts = new List<string>();
        foreach (var description in commands)
        {
            if (description.Path.Count == 0)
            {
                conflicts.Add("a plugin command has an empty path; skipped");
                continue;
            }
            var parent = root;
            foreach (var word in description.Path.Take(description.Path.Count - 1))
            {
                var group = parent.Subcommands.FirstOrDefault(c => c.Name == word);
                if (group is null)
                {
                    group = new Command(word, $"{word} commands");
                    parent.Subcommands.Add(group);
                }
                parent = group;
            }
            var leaf = description.Path[^1];
            if (parent.Subcommands.Any(c => c.Name == leaf))
            {
                conflicts.Add($"command '{string.Join(' ', description.Path)}' already exists; the plugin's one is skipped");
                continue;
            }
            parent.Subcommands.Add(Build(leaf, description, services, input));
        }
        return conflicts;
    }

    private static Command Build(string name, CliCommand description, IServiceProvider services, TextReader? input)
    {
        var command = new Command(name, description.Description);
        var arguments = new List<(string Name, Argument Argument)>();
        foreach (var a in description.Arguments)
        {
            Argument argument = a.Many
                ? new Argument<string[]>(a.Name) { Description = a.Description, Arity = a.Required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore }
                : new Argument<string>(a.Name) { Description = a.Description, Arity = a.Required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne };
            command.Arguments.Add(argument);
            arguments.Add((a.Name, argument));
        }
        var options = new List<(string Name, Option Option, bool IsFlag)>();
        foreach (var o in description.Options)
        {
            var bare = o.Name.TrimStart('-');
            Option option = o.IsFlag
                ? new Option<bool>("--" + bare) { Description = o.Description }
                : new Option<string>("--" + bare) { Description = o.Description, Required = o.Required };
            command.Options.Add(option);
            options.Add((bare, option, o.IsFlag));
        }
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (argName, argument) in arguments)
            {
                values[argName] = argument switch
                {
                    Argument<string[]> many => parseResult.GetValue(many) ?? [],
                    Argument<string> one => parseResult.GetValue(one) is { } v ? [v] : [],
                    _ => [],
                };
            }
            var optionValues = new Dictionary<string, string?>(StringComparer.Ordinal);
            var flags = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (optName, option, isFlag) in options)
            {
                if (isFlag)
                {
                    if (parseResult.GetValue((Option<bool>)option)) flags.Add(optName);
                }
                else if (parseResult.GetValue((Option<string>)option) is { } value)
                {
                    optionValues[optName] = value;
                }
            }
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var invocation = new CliInvocation(values, optionValues, flags, services, input ?? Console.In, output, error);
            try
            {
                return await description.RunAsync(invocation, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"{string.Join(' ', description.Path)}: {PluginComposer.OneLine(e)}");
                return 1;
            }
        });
        return command;
    }
}
