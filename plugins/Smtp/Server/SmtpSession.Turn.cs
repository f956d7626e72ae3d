using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>
/// The queue verbs: ETRN (RFC 1985) releases held queues for normal delivery; ATRN (RFC 2645, ODMR listener) and
/// TURN (only after AUTH) hand the connection to the delivery side, which turns round and delivers down it.
/// Which queue a domain means is the kernel's answer (<see cref="IMessageQueue.FindQueueForDomainAsync"/>, smtp.md §8).
/// </summary>
internal sealed partial class SmtpSession
{
    private async Task EtrnAsync(string argument)
    {
        if (_mail is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        var node = argument.Trim();
        if (!QueueNode.TryParse(node, out var parsed))
        {
            Error(new SmtpReply(501, "5.5.4", "Syntax error in parameters"));
            return;
        }
        if (!_services.Etrn.TryAcquire(ClientIp, DateTime.UtcNow))
        {
            Reply(new SmtpReply(458, "4.7.0", $"Too many ETRN requests from {ClientIp}; try again in a minute"));
            return;
        }
        try
        {
            var queues = await QueuesForNodeAsync(parsed);
            if (queues is null)
            {
                Reply(new SmtpReply(459, "5.7.1", $"Node {node} not allowed: not a remote destination of this server"));
                return;
            }
            var pending = 0;
            foreach (var queue in queues) pending += await _services.Queue.ReleaseAsync(queue, _drain);
            _services.Logger.LogInformation("smtp {ConnectionId}: ETRN {Node} from {Client} released {Queues} ({Count} messages)",
                _connection.Id, node, ClientIp, string.Join(",", queues), pending);
            Reply(pending == 0
                ? new SmtpReply(251, "2.0.0", $"OK, no messages waiting for node {node}")
                : new SmtpReply(253, "2.0.0", $"OK, {pending} pending messages for node {node} started"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _services.Logger.LogWarning(e, "smtp {ConnectionId}: ETRN {Node} failed", _connection.Id, node);
            Reply(new SmtpReply(458, "4.3.0", $"Unable to queue messages for node {node}"));
        }
    }

    /// <summary>
    /// smtp.md §8: <c>domain</c> → the queue the kernel routes it into; <c>@domain</c> → that queue plus every queue
    /// named <c>domain</c> or ending in <c>.domain</c>; <c>#queue</c> literally. Null when the node is local or refused.
    /// </summary>
    private async Task<IReadOnlyList<string>?> QueuesForNodeAsync(QueueNode node)
    {
        if (node.IsQueueName) return [node.Name];
        var queue = await _services.Queue.FindQueueForDomainAsync(node.Name, _drain);
        if (!node.WithSubdomains) return queue is null ? null : [queue];
        var queues = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        if (queue is not null) queues.Add(queue);
        foreach (var entry in await _services.Queue.ListAsync(null, _drain))
        {
            foreach (var recipient in entry.Recipients)
            {
                if (recipient.Queue is { } name && (name.Equals(node.Name, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + node.Name, StringComparison.OrdinalIgnoreCase)))
                    queues.Add(name);
            }
        }
        return queues.Count == 0 && queue is null ? null : [.. queues];
    }

    /// <summary>
    /// ATRN (RFC 2645 §4) and TURN (smtp.md §9.3: ATRN without arguments, only after AUTH). Entitlement (smtp.md §9.2):
    /// an account of the Main Domain owns the queue that has its name — the customer <c>domain1.dom</c> logs in as
    /// <c>domain1.dom@&lt;main domain&gt;</c>; a domain routed into that queue (<c>domain2.dom</c>) comes with it.
    /// </summary>
    private async Task AtrnAsync(string argument, bool isTurn)
    {
        if (_mail is not null || (isTurn && argument.Length > 0))
        {
            Error(isTurn && argument.Length > 0 ? SmtpReply.SyntaxError : SmtpReply.BadSequence);
            return;
        }
        if (_account is null)
        {
            Error(SmtpReply.AuthRequired);
            return;
        }
        var owned = await EntitledQueuesAsync(_account);
        var queues = new List<string>();
        if (argument.Length == 0)
        {
            queues.AddRange(owned);   // no argument = all entitled queues (smtp.md §9.2)
        }
        else
        {
            foreach (var domain in argument.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var queue = Kernel.Abstractions.DomainName.IsValid(domain) ? await _services.Queue.FindQueueForDomainAsync(domain, _drain) : null;
                if (queue is null || !owned.Contains(queue, StringComparer.OrdinalIgnoreCase))
                {
                    // smtp.md §16.3: one domain the account is not entitled to refuses the whole command.
                    Reply(new SmtpReply(450, "4.7.1", "ATRN request refused"));
                    return;
                }
                if (!queues.Contains(queue, StringComparer.OrdinalIgnoreCase)) queues.Add(queue);
            }
        }
        var decision = await TurnDecisionAsync(queues);
        Reply(decision);
        if (decision.Code != 250) return;
        await FlushAsync();
        _services.Logger.LogInformation("smtp {ConnectionId}: {Verb} by {Account}: reversing the connection for {Queues}",
            _connection.Id, isTurn ? "TURN" : "ATRN", _account, string.Join(",", queues));
        // RFC 2645 §5.3: from here the roles are swapped on this connection and never swapped back.
        _closing = true;
        await _services.Turnaround!.RunAsync(_connection, queues, _drain);
    }

    /// <summary>The reply before the turn: 453 with nothing waiting, 451 when the delivery side is missing or a queue is being drained.</summary>
    private async Task<SmtpReply> TurnDecisionAsync(IReadOnlyList<string> queues)
    {
        var waiting = 0;
        foreach (var queue in queues) waiting += (await _services.Queue.ListAsync(queue, _drain)).Count;
        if (waiting == 0) return new SmtpReply(453, "4.3.0", "You have no mail");
        if (_services.Turnaround is null) return new SmtpReply(451, "4.3.0", "Unable to process ATRN request now: no delivery side installed");
        foreach (var queue in queues)
        {
            // One drain per queue (smtp.md §9.2): a quick probe of the lease the turnaround will take.
            var lease = await _services.Queue.LeaseQueueAsync(queue, $"smtp-probe-{_connection.Id}", TimeSpan.FromSeconds(5), _drain);
            if (lease is null) return new SmtpReply(451, "4.3.0", "Unable to process ATRN request now");
            await lease.DisposeAsync();
        }
        return new SmtpReply(250, "2.0.0", "OK now reversing the connection");
    }

    /// <summary>
    /// smtp.md §9.2: the queue named like a Main Domain account, plus the account setting "ATRN queues"
    /// (<c>SMTP.AtrnQueues</c>, queue names separated by ',') for any account.
    /// </summary>
    private async Task<List<string>> EntitledQueuesAsync(AccountAddress account)
    {
        var queues = new List<string>();
        var main = await _services.Accounts.GetMainDomainAsync(_drain);
        if (main is not null && account.Domain.Equals(main, StringComparison.OrdinalIgnoreCase) && Kernel.Abstractions.DomainName.IsValid(account.Name))
            queues.Add(account.Name.ToLowerInvariant());
        var extra = await _services.Accounts.GetSettingAsync(SettingScope.ForAccount(account), AtrnQueuesKey, _drain);
        foreach (var name in (extra ?? "").Split([',', '\n', ' '], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!queues.Contains(name, StringComparer.OrdinalIgnoreCase)) queues.Add(name.ToLowerInvariant());
        }
        return queues;
    }

    /// <summary>The account setting "ATRN queues" (known to the kernel's settings list, so the CLI accepts it).</summary>
    internal const string AtrnQueuesKey = "SMTP.AtrnQueues";
}
