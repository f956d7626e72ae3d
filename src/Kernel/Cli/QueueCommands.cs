using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel queue list|show|release|retry|delete</c>.</summary>
public static class QueueCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var queue = new Command("queue", "inspect and control the message queue");

        var target = new Option<string?>("--queue") { Description = "only this target queue" };
        var json = CliOptions.Json();
        var list = new Command("list", "list queued messages") { target, json };
        list.Run(context, async (p, c, ct) =>
        {
            var entries = await c.Service<IMessageQueue>().ListAsync(p.GetValue(target), ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, entries.Select(Describe)); return; }
            foreach (var e in entries)
            {
                await c.Out.WriteLineAsync($"{e.Id}\t{e.Created:u}\t{e.Size}\t<{e.Sender}>\t" +
                    string.Join(" ", e.Recipients.Select(r => $"{r.Address}:{r.State}{(r.Queue is null ? "" : "@" + r.Queue)}")));
            }
        });

        var showId = new Argument<string>("id");
        var showJson = CliOptions.Json();
        var body = new Option<bool>("--body") { Description = "also print the message" };
        var show = new Command("show", "show one message's envelope and recipients") { showId, showJson, body };
        show.Run(context, async (p, c, ct) =>
        {
            var q = c.Service<IMessageQueue>();
            var entry = await q.GetAsync(p.GetValue(showId)!, ct) ?? throw new CliError($"no queued message {p.GetValue(showId)}");
            if (p.GetValue(showJson)) CliOutput.Json(c.Out, Describe(entry));
            else
            {
                await c.Out.WriteLineAsync($"id: {entry.Id}\nsender: <{entry.Sender}>\ncreated: {entry.Created:u}\nsize: {entry.Size}\nsource: {entry.Source.Protocol} {entry.Source.ClientIp}{(entry.Source.AuthenticatedAccount is { } a ? " auth " + a : "")}");
                foreach (var r in entry.Recipients)
                    await c.Out.WriteLineAsync($"recipient: {r.Address} {r.State} queue={r.Queue ?? "-"} attempts={r.Attempts} next={r.NextAttempt?.ToString("u") ?? "-"} {r.LastError}");
            }
            if (p.GetValue(body) && await q.OpenBodyAsync(entry.Id, ct) is { } message)
            {
                await using var stream = message.OpenRead();
                using var reader = new StreamReader(stream);
                await c.Out.WriteLineAsync(await reader.ReadToEndAsync(ct));
            }
        });

        var releaseQueue = new Argument<string>("queue") { Description = "the target queue (a domain for held mail)" };
        var release = new Command("release", "deliver a held or backed-off queue now") { releaseQueue };
        release.Run(context, async (p, c, ct) =>
        {
            var name = p.GetValue(releaseQueue)!;
            var queue = c.Service<IMessageQueue>();
            // An unknown queue is a typo, not "0 messages released": nothing waits in it and it is no domain of ours.
            if ((await queue.ListAsync(name, ct)).Count == 0 && await c.Service<IAccountStore>().ResolveDomainAsync(name, ct) is null)
                throw new CliError($"no queue {name}: no queued message waits in it");
            var count = await queue.ReleaseAsync(name, ct);
            await c.Out.WriteLineAsync($"queue {p.GetValue(releaseQueue)} released ({count} messages)");
        });

        var retryId = new Argument<string>("id");
        var retry = new Command("retry", "retry a message now") { retryId };
        retry.Run(context, async (p, c, ct) =>
        {
            if (!await c.Service<IMessageQueue>().RetryAsync(p.GetValue(retryId)!, ct)) throw new CliError($"no queued message {p.GetValue(retryId)}");
            await c.Out.WriteLineAsync($"{p.GetValue(retryId)} will be retried now");
        });

        var deleteId = new Argument<string>("id");
        var delete = new Command("delete", "remove a message without a bounce") { deleteId };
        delete.Run(context, async (p, c, ct) =>
        {
            if (!await c.Service<IMessageQueue>().DeleteAsync(p.GetValue(deleteId)!, ct)) throw new CliError($"no queued message {p.GetValue(deleteId)}");
            await c.Out.WriteLineAsync($"{p.GetValue(deleteId)} deleted");
        });

        foreach (var command in new[] { list, show, release, retry, delete }) queue.Subcommands.Add(command);
        return queue;
    }

    private static object Describe(QueueEntry e) => new
    {
        id = e.Id,
        sender = e.Sender,
        created = e.Created,
        size = e.Size,
        source = new { protocol = e.Source.Protocol, clientIp = e.Source.ClientIp?.ToString(), authenticated = e.Source.AuthenticatedAccount?.ToString() },
        recipients = e.Recipients.Select(r => new { address = r.Address, originalRecipient = r.OriginalRecipient, state = r.State.ToString(), queue = r.Queue, attempts = r.Attempts, nextAttempt = r.NextAttempt, lastError = r.LastError }),
    };
}
