using System.CommandLine;
using Kernel.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Cli;

/// <summary><c>kernel plugins list|install|unload</c>; a running server picks installs and unloads up within seconds.</summary>
public static class PluginsCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var plugins = new Command("plugins", "list, install, unload and enable plugins");

        var json = CliOptions.Json();
        var list = new Command("list", "each plugin with its state (active, loaded, disabled, failed with the reason, unloaded)") { json };
        list.Run(context, async (p, c, cancellationToken) =>
        {
            var statuses = await c.Services.GetRequiredService<PluginAdministration>().ListAsync(c.Services.GetRequiredService<PluginHost>(), cancellationToken);
            if (p.GetValue(json))
            {
                CliOutput.Json(c.Out, statuses.Select(s => new { name = s.Name, state = s.StateText, version = s.Version, sdkVersion = s.SdkVersion, reason = s.Reason }));
                return;
            }
            foreach (var s in statuses)
                await c.Out.WriteLineAsync($"{s.Name}\t{s.StateText}\t{s.Version ?? "-"}\tsdk {s.SdkVersion ?? "-"}{(s.Reason is null ? "" : "\t" + s.Reason)}");
        });

        var path = new Argument<string>("path") { Description = "a built plugin folder holding <Name>.dll" };
        var install = new Command("install", "copy a plugin folder into the plugins directory (atomically: staging name, then rename)") { path };
        install.Run(context, async (p, c, _) =>
        {
            var name = c.Services.GetRequiredService<PluginAdministration>().Install(p.GetValue(path)!);
            await c.Out.WriteLineAsync($"plugin {name} installed");
        });

        var name = new Argument<string>("name");
        var unload = new Command("unload", "stop and unload a plugin (a running server drains it); it stays off until installed again") { name };
        unload.Run(context, async (p, c, _) =>
        {
            c.Services.GetRequiredService<PluginAdministration>().Unload(p.GetValue(name)!);
            await c.Out.WriteLineAsync($"plugin {p.GetValue(name)} unloaded");
        });

        var enableName = new Argument<string>("name");
        var enable = new Command("enable", "let a plugin that brought the server down load again (a running server picks it up within seconds)") { enableName };
        enable.Run(context, async (p, c, _) =>
        {
            var plugin = p.GetValue(enableName)!;
            if (!c.Services.GetRequiredService<PluginAdministration>().Enable(plugin)) throw new CliError($"plugin {plugin} is not set aside");
            await c.Out.WriteLineAsync($"plugin {plugin} enabled");
        });

        plugins.Subcommands.Add(list);
        plugins.Subcommands.Add(enable);
        plugins.Subcommands.Add(install);
        plugins.Subcommands.Add(unload);
        return plugins;
    }
}
