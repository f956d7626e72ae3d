using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel subscription list|add|remove</c>: an account's subscription list (own and foreign names).</summary>
public static class SubscriptionCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var subscription = new Command("subscription", "manage an account's subscription list");

        var listAccount = new Argument<string>("account");
        var json = CliOptions.Json();
        var list = new Command("list", "list the subscribed names") { listAccount, json };
        list.Run(context, async (p, c, ct) =>
        {
            var owner = await CliMailboxName.OwnerAsync(c.Service<IAccountStore>(), p.GetValue(listAccount)!, ct);
            var names = await c.Service<IMailboxStore>().ListSubscriptionsAsync(Principal.System, owner, ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, names); return; }
            foreach (var n in names) await c.Out.WriteLineAsync(n);
        });

        subscription.Subcommands.Add(list);
        subscription.Subcommands.Add(Edit(context, "add", "subscribe a name", (s, o, n, ct) => s.SubscribeAsync(Principal.System, o, n, ct), "subscribed"));
        subscription.Subcommands.Add(Edit(context, "remove", "unsubscribe a name", (s, o, n, ct) => s.UnsubscribeAsync(Principal.System, o, n, ct), "unsubscribed"));
        return subscription;
    }

    private static Command Edit(Func<CliContext> context, string name, string description, Func<IMailboxStore, AccountAddress, string, CancellationToken, Task> action, string done)
    {
        var account = new Argument<string>("account");
        var mailbox = new Argument<string>("mailbox") { Description = "own name (INBOX/x) or foreign name (~bob/shared)" };
        var command = new Command(name, description) { account, mailbox };
        command.Run(context, async (p, c, ct) =>
        {
            var owner = await CliMailboxName.OwnerAsync(c.Service<IAccountStore>(), p.GetValue(account)!, ct);
            await CliMailboxName.OnAsync(p.GetValue(mailbox)!, () => action(c.Service<IMailboxStore>(), owner, p.GetValue(mailbox)!, ct));
            await c.Out.WriteLineAsync($"{owner}: {p.GetValue(mailbox)} {done}");
        });
        return command;
    }
}
