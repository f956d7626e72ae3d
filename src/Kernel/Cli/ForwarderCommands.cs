using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel forwarder add|list|show|remove</c>: a name in a domain whose mail is rerouted to another address (router.md §6.3).
/// </summary>
public static class ForwarderCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var forwarder = new Command("forwarder", "manage forwarders (a name whose mail goes on to another address)");

        var addName = new Argument<string>("forwarder") { Description = "name@domain (a bare name is in the Main Domain)" };
        var target = new Argument<string>("target") { Description = "the address mail is rerouted to (any address)" };
        var add = new Command("add", "create a forwarder, or change where it forwards to") { addName, target };
        add.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(addName)!, ct);
            await store.SetForwarderAsync(address, p.GetValue(target)!, ct);
            await c.Out.WriteLineAsync($"forwarder {address} -> {p.GetValue(target)!.Trim()} set");
        });

        var domain = new Argument<string>("domain");
        var listJson = CliOptions.Json();
        var list = new Command("list", "list a domain's forwarders") { domain, listJson };
        list.Run(context, async (p, c, ct) =>
        {
            var found = await c.Service<IAccountStore>().ListObjectsAsync(CliAddress.Domain(p.GetValue(domain)!), DirectoryObjectKind.Forwarder, ct);
            if (p.GetValue(listJson))
            {
                CliOutput.Json(c.Out, found.Select(f => new { forwarder = f.Address.ToString(), target = f.Target }));
                return;
            }
            foreach (var f in found) await c.Out.WriteLineAsync($"{f.Address} -> {f.Target}");
        });

        var showName = new Argument<string>("forwarder");
        var json = CliOptions.Json();
        var show = new Command("show", "print where a forwarder forwards to") { showName, json };
        show.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var found = await DirectoryObjects.RequireAsync(store, p.GetValue(showName)!, DirectoryObjectKind.Forwarder, ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, new { forwarder = found.Address.ToString(), target = found.Target }); return; }
            await c.Out.WriteLineAsync($"{found.Address} -> {found.Target}");
        });

        var removeName = new Argument<string>("forwarder");
        var remove = new Command("remove", "remove a forwarder") { removeName };
        remove.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var found = await DirectoryObjects.RequireAsync(store, p.GetValue(removeName)!, DirectoryObjectKind.Forwarder, ct);
            await store.RemoveForwarderAsync(found.Address, ct);
            await c.Out.WriteLineAsync($"forwarder {found.Address} removed");
        });

        forwarder.Subcommands.Add(add);
        forwarder.Subcommands.Add(list);
        forwarder.Subcommands.Add(show);
        forwarder.Subcommands.Add(remove);
        return forwarder;
    }
}
