using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel group add|list|set|show|remove</c> and the same for <c>kernel list</c> (mailing lists): a name in a domain
/// whose mail goes to its members (router.md §6.3). The mailing lists' listing is <c>kernel list all DOMAIN</c>: a
/// subcommand named like its parent crashes System.CommandLine's tokenizer (dotnet/command-line-api#2260), so
/// <c>kernel list list</c> cannot exist.
/// </summary>
public static class GroupCommands
{
    public static Command Create(Func<CliContext> context, GroupKind groupKind)
    {
        var kind = groupKind == GroupKind.Group ? DirectoryObjectKind.Group : DirectoryObjectKind.MailingList;
        var what = DirectoryObjects.Describe(kind);
        var command = groupKind == GroupKind.Group
            ? new Command("group", "manage groups (mail goes to every member)")
            : new Command("list", "manage mailing lists");

        var addName = new Argument<string>(what.Replace(' ', '-')) { Description = "name@domain (a bare name is in the Main Domain)" };
        var addMembers = new Argument<string[]>("members") { Arity = ArgumentArity.ZeroOrMore, Description = "member addresses" };
        var add = new Command("add", $"create a {what}, optionally with its members") { addName, addMembers };
        add.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(addName)!, ct);
            var members = p.GetValue(addMembers) ?? [];
            await store.CreateGroupAsync(address, groupKind, ct);
            try
            {
                if (members.Length > 0) await store.SetGroupMembersAsync(address, members, ct);
            }
            catch (Exception e) when (CommandAction.IsOperatorError(e))
            {
                // Nothing half-written: a bad member list leaves no empty group behind.
                await store.RemoveGroupAsync(address, ct);
                throw;
            }
            await c.Out.WriteLineAsync($"{what} {address} created with {members.Length} member(s)");
        });

        var setName = new Argument<string>(what.Replace(' ', '-'));
        var setMembers = new Argument<string[]>("members") { Arity = ArgumentArity.ZeroOrMore, Description = "the new member addresses (none empties it)" };
        var set = new Command("set", $"replace a {what}'s members") { setName, setMembers };
        set.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var found = await DirectoryObjects.RequireAsync(store, p.GetValue(setName)!, kind, ct);
            var members = p.GetValue(setMembers) ?? [];
            await store.SetGroupMembersAsync(found.Address, members, ct);
            await c.Out.WriteLineAsync($"{what} {found.Address} has {members.Length} member(s)");
        });

        var domain = new Argument<string>("domain");
        var listJson = CliOptions.Json();
        var listVerb = groupKind == GroupKind.Group ? "list" : "all";
        var list = new Command(listVerb, $"list a domain's {what}s, one a line") { domain, listJson };
        list.Run(context, async (p, c, ct) =>
        {
            var found = await c.Service<IAccountStore>().ListObjectsAsync(CliAddress.Domain(p.GetValue(domain)!), kind, ct);
            if (p.GetValue(listJson))
            {
                // The key is the command's noun: "group" or "list".
                CliOutput.Json(c.Out, found.Select(g => new Dictionary<string, string> { [command.Name] = g.Address.ToString() }));
                return;
            }
            foreach (var g in found) await c.Out.WriteLineAsync(g.Address.ToString());
        });

        var showName = new Argument<string>(what.Replace(' ', '-'));
        var json = CliOptions.Json();
        var show = new Command("show", $"print a {what}'s members, one a line") { showName, json };
        show.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var found = await DirectoryObjects.RequireAsync(store, p.GetValue(showName)!, kind, ct);
            var members = await store.GetGroupMembersAsync(found.Address, ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, members); return; }
            foreach (var m in members) await c.Out.WriteLineAsync(m);
        });

        var removeName = new Argument<string>(what.Replace(' ', '-'));
        var remove = new Command("remove", $"remove a {what}") { removeName };
        remove.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var found = await DirectoryObjects.RequireAsync(store, p.GetValue(removeName)!, kind, ct);
            await store.RemoveGroupAsync(found.Address, ct);
            await c.Out.WriteLineAsync($"{what} {found.Address} removed");
        });

        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(set);
        command.Subcommands.Add(show);
        command.Subcommands.Add(remove);
        return command;
    }
}
