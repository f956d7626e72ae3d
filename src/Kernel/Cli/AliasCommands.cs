using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel alias add|list|remove</c>: account aliases (another name of an account in its domain).</summary>
public static class AliasCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var alias = new Command("alias", "manage account aliases");

        var aliasName = new Argument<string>("alias") { Description = "alias@domain" };
        var target = new Argument<string>("account") { Description = "the account it names, name@domain" };
        var add = new Command("add", "add an alias of an account") { aliasName, target };
        add.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var a = await CliAddress.ParseAsync(store, p.GetValue(aliasName)!, ct);
            var t = await CliAddress.ParseAsync(store, p.GetValue(target)!, ct);
            await store.AddAliasAsync(a, t, ct);
            await c.Out.WriteLineAsync($"alias {a} -> {t} added");
        });

        var domain = new Argument<string>("domain");
        var json = CliOptions.Json();
        var list = new Command("list", "list a domain's aliases") { domain, json };
        list.Run(context, async (p, c, ct) =>
        {
            var aliases = await c.Service<IAccountStore>().ListAliasesAsync(CliAddress.Domain(p.GetValue(domain)!), ct);
            if (p.GetValue(json))
            {
                CliOutput.Json(c.Out, aliases.Select(a => new { alias = a.Alias.ToString(), account = a.Account.ToString() }));
                return;
            }
            foreach (var a in aliases) await c.Out.WriteLineAsync($"{a.Alias} -> {a.Account}");
        });

        var removeName = new Argument<string>("alias");
        var remove = new Command("remove", "remove an alias") { removeName };
        remove.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var a = await CliAddress.ParseAsync(store, p.GetValue(removeName)!, ct);
            await store.RemoveAliasAsync(a, ct);
            await c.Out.WriteLineAsync($"alias {a} removed");
        });

        alias.Subcommands.Add(add);
        alias.Subcommands.Add(list);
        alias.Subcommands.Add(remove);
        return alias;
    }
}
