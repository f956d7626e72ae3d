using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel domain add|list|remove|set|alias</c>.</summary>
public static class DomainCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var domain = new Command("domain", "manage domains");

        var name = new Argument<string>("domain");
        var add = new Command("add", "create a domain (the first one becomes the Main Domain)") { name };
        add.Run(context, async (p, c, ct) =>
        {
            var d = CliAddress.Domain(p.GetValue(name)!);
            var store = c.Service<IAccountStore>();
            await store.CreateDomainAsync(d, ct);
            await c.Out.WriteLineAsync($"domain {d} created");
            // Installation: the Main Domain's postmaster exists from the start with the Master right (mailboxes.md §10),
            // and RFC 5321 §4.5.1 requires mail to postmaster to be accepted. No password until an operator sets one.
            var postmaster = new AccountAddress("postmaster", d);
            if (await store.GetMainDomainAsync(ct) == d && await store.FindObjectAsync(postmaster, ct) is null)
            {
                await store.CreateAccountAsync(postmaster, password: null, realName: "Postmaster", ct);
                await store.SetAdminRightsAsync(postmaster, new AdminRights(ServerRights.Master, DomainAdminRights.None), ct);
                await c.Out.WriteLineAsync($"account {postmaster} created with the Master right (give it a password: kernel account passwd {postmaster})");
            }
        });

        var json = CliOptions.Json();
        var list = new Command("list", "list domains") { json };
        list.Run(context, async (p, c, ct) =>
        {
            var domains = await c.Service<IAccountStore>().ListDomainsAsync(ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, domains); return; }
            foreach (var d in domains)
                await c.Out.WriteLineAsync($"{d.Name}{(d.IsMain ? " (main)" : "")}{(d.Aliases.Count > 0 ? " aliases: " + string.Join(", ", d.Aliases) : "")}");
        });

        var removeName = new Argument<string>("domain");
        var remove = new Command("remove", "remove a domain with all its accounts, mailboxes and files") { removeName };
        remove.Run(context, async (p, c, ct) =>
        {
            var d = CliAddress.Domain(p.GetValue(removeName)!);
            await c.Service<IAccountStore>().DeleteDomainAsync(d, ct);
            await c.Out.WriteLineAsync($"domain {d} removed");
        });

        // The same write as `kernel settings set --domain D` (one validation, one message); kept for the Guide's wording.
        var setName = new Argument<string>("domain");
        var key = new Argument<string>("key") { Description = SettingsCommands.KeysHelp };
        var value = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne, Description = "omit to remove the setting" };
        var template = new Option<bool>("--template") { Description = "set it in the domain's Account Template" };
        var set = new Command("set", "set a domain setting (the same as kernel settings set --domain D; with --template, --template D)") { setName, key, value, template };
        set.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var d = CliAddress.Domain(p.GetValue(setName)!);
            d = await store.ResolveDomainAsync(d, ct) ?? throw new CliError($"unknown domain {d}");
            var scope = p.GetValue(template) ? SettingScope.ForTemplate(d) : SettingScope.ForDomain(d);
            await SettingsCommands.WriteAsync(c, scope, p.GetValue(key)!, p.GetValue(value), ct);
        });

        var alias = new Command("alias", "domain aliases");
        var aliasDomain = new Argument<string>("domain");
        var aliasName = new Argument<string>("alias");
        var aliasAdd = new Command("add", "make ALIAS another name of DOMAIN") { aliasDomain, aliasName };
        aliasAdd.Run(context, async (p, c, ct) =>
        {
            await c.Service<IAccountStore>().AddDomainAliasAsync(CliAddress.Domain(p.GetValue(aliasDomain)!), CliAddress.Domain(p.GetValue(aliasName)!), ct);
            await c.Out.WriteLineAsync($"domain alias {p.GetValue(aliasName)} added");
        });
        var aliasRemoveName = new Argument<string>("alias");
        var aliasRemove = new Command("remove", "remove a domain alias") { aliasRemoveName };
        aliasRemove.Run(context, async (p, c, ct) =>
        {
            await c.Service<IAccountStore>().RemoveDomainAliasAsync(CliAddress.Domain(p.GetValue(aliasRemoveName)!), ct);
            await c.Out.WriteLineAsync($"domain alias {p.GetValue(aliasRemoveName)} removed");
        });
        alias.Subcommands.Add(aliasAdd);
        alias.Subcommands.Add(aliasRemove);

        domain.Subcommands.Add(add);
        domain.Subcommands.Add(list);
        domain.Subcommands.Add(remove);
        domain.Subcommands.Add(set);
        domain.Subcommands.Add(alias);
        return domain;
    }
}
