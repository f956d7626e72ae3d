using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel mailbox list|create|delete</c> and <c>kernel mailbox acl get|set|delete</c>.</summary>
public static class MailboxCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var mailbox = new Command("mailbox", "manage mailboxes and their access control lists");

        var listAccount = new Argument<string>("account");
        var json = CliOptions.Json();
        var list = new Command("list", "list an account's mailboxes with their message counts") { listAccount, json };
        list.Run(context, async (p, c, ct) =>
        {
            var owner = await CliMailboxName.OwnerAsync(c.Service<IAccountStore>(), p.GetValue(listAccount)!, ct);
            var prefix = $"~{owner}/";
            var items = (await c.Service<IMailboxStore>().ListAsync(Principal.System, prefix + "*", ct))
                .Select(i => i with { Name = i.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? i.Name[prefix.Length..] : i.Name })
                .ToList();
            if (p.GetValue(json))
            {
                CliOutput.Json(c.Out, items.Select(i => new { name = i.Name, messages = i.MessageCount, attributes = i.Attributes.ToString(), specialUse = i.SpecialUse.ToString() }));
                return;
            }
            foreach (var i in items) await c.Out.WriteLineAsync($"{i.Name}\t{i.MessageCount}{(i.Attributes.HasFlag(MailboxAttributes.NoSelect) ? "\t(no select)" : "")}");
        });

        mailbox.Subcommands.Add(list);
        mailbox.Subcommands.Add(NameCommand(context, "create", "create a mailbox (a trailing / creates only a folder)", (s, n, ct) => s.CreateAsync(Principal.System, n, SpecialUse.None, ct), "created"));
        mailbox.Subcommands.Add(NameCommand(context, "delete", "delete a mailbox", (s, n, ct) => s.DeleteAsync(Principal.System, n, ct), "deleted"));
        mailbox.Subcommands.Add(AclCommands(context));
        return mailbox;
    }

    private static Command NameCommand(Func<CliContext> context, string name, string description, Func<IMailboxStore, string, CancellationToken, Task> action, string done)
    {
        var first = new Argument<string>("mailbox") { Description = "~account/mailbox, or ACCOUNT followed by MAILBOX" };
        var second = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(name, description) { first, second };
        command.Run(context, async (p, c, ct) =>
        {
            var mailboxName = await CliMailboxName.ResolveAsync(c.Service<IAccountStore>(), p.GetValue(first)!, p.GetValue(second), ct);
            if (name == "create") CliMailboxName.CheckNewName(mailboxName);
            await CliMailboxName.OnAsync(mailboxName, () => action(c.Service<IMailboxStore>(), mailboxName, ct));
            await c.Out.WriteLineAsync($"mailbox {mailboxName} {done}");
        });
        return command;
    }

    private static Command AclCommands(Func<CliContext> context)
    {
        var acl = new Command("acl", "mailbox access control lists (RFC 4314 rights letters lrswipkxtecda)");

        var getName = new Argument<string>("mailbox") { Description = "~account/mailbox" };
        var json = CliOptions.Json();
        var get = new Command("get", "show a mailbox's ACL") { getName, json };
        get.Run(context, async (p, c, ct) =>
        {
            var name = await CliMailboxName.ResolveAsync(c.Service<IAccountStore>(), p.GetValue(getName)!, null, ct);
            var entries = await CliMailboxName.OnAsync(name, () => c.Service<IMailboxStore>().GetAclAsync(Principal.System, name, ct));
            if (p.GetValue(json))
            {
                CliOutput.Json(c.Out, entries.Select(e => new { identifier = e.Identifier, rights = MailboxRightsText.Format(e.Rights) }));
                return;
            }
            foreach (var e in entries) await c.Out.WriteLineAsync($"{e.Identifier} {MailboxRightsText.Format(e.Rights)}");
        });

        var setName = new Argument<string>("mailbox") { Description = "~account/mailbox" };
        var identifier = new Argument<string>("identifier") { Description = "name, name@domain, anyone, anyone@, anyone@domain, #group; '-' first for a negative entry" };
        var rights = new Argument<string>("rights") { Description = "letters of lrswipkxtecda; +letters adds, -letters removes" };
        var set = new Command("set", "set an ACL entry") { setName, identifier, rights };
        set.Run(context, async (p, c, ct) =>
        {
            var name = await CliMailboxName.ResolveAsync(c.Service<IAccountStore>(), p.GetValue(setName)!, null, ct);
            await CliMailboxName.OnAsync(name, () => c.Service<IMailboxStore>().SetAclAsync(Principal.System, name, p.GetValue(identifier)!, p.GetValue(rights)!, ct));
            await c.Out.WriteLineAsync($"acl of {name}: {p.GetValue(identifier)} set");
        });

        var deleteName = new Argument<string>("mailbox") { Description = "~account/mailbox" };
        var deleteIdentifier = new Argument<string>("identifier");
        var delete = new Command("delete", "remove an ACL entry") { deleteName, deleteIdentifier };
        delete.Run(context, async (p, c, ct) =>
        {
            var name = await CliMailboxName.ResolveAsync(c.Service<IAccountStore>(), p.GetValue(deleteName)!, null, ct);
            await CliMailboxName.OnAsync(name, () => c.Service<IMailboxStore>().DeleteAclAsync(Principal.System, name, p.GetValue(deleteIdentifier)!, ct));
            await c.Out.WriteLineAsync($"acl of {name}: {p.GetValue(deleteIdentifier)} removed");
        });

        acl.Subcommands.Add(get);
        acl.Subcommands.Add(set);
        acl.Subcommands.Add(delete);
        return acl;
    }
}
