using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>Authenticated-state commands on mailbox names: CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST, LSUB, STATUS, NAMESPACE.</summary>
internal sealed partial class ImapSession
{
    private Principal Me => _principal ?? throw new InvalidOperationException("not authenticated");

    private AccountAddress MyAccount => _account ?? throw new InvalidOperationException("not authenticated");

    private async Task CreateAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        var use = SpecialUse.None;
        // RFC 6154 §3: CREATE name (USE (\Sent))
        if (p.TryChar(' '))
        {
            p.Open();
            if (!p.Atom().Equals("USE", StringComparison.OrdinalIgnoreCase)) throw new ImapParseException("Unknown CREATE parameter");
            p.Space();
            var flags = p.FlagList();
            p.Close();
            if (flags.Count > 1) throw new MailboxException(MailboxError.Cannot, "One special use at a time");
            if (flags.Count == 1) use = ParseSpecialUse(flags[0]) ?? throw new MailboxException(MailboxError.Cannot, "Unknown special use");
        }
        p.End();
        await services.Mailboxes.CreateAsync(Me, name, use, ct);
    }

    private static SpecialUse? ParseSpecialUse(string flag) => flag.ToUpperInvariant() switch
    {
        "\\ALL" => SpecialUse.All,
        "\\ARCHIVE" => SpecialUse.Archive,
        "\\DRAFTS" => SpecialUse.Drafts,
        "\\FLAGGED" => SpecialUse.Flagged,
        "\\JUNK" => SpecialUse.Junk,
        "\\SENT" => SpecialUse.Sent,
        "\\TRASH" => SpecialUse.Trash,
        _ => null,
    };

    private async Task DeleteAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.End();
        await services.Mailboxes.DeleteAsync(Me, name, ct);
    }

    private async Task RenameAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var from = p.Mailbox();
        p.Space();
        var to = p.Mailbox();
        p.End();
        await services.Mailboxes.RenameAsync(Me, from, to, ct);
    }

    private async Task SubscribeAsync(CommandParser p, bool subscribe, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.End();
        if (subscribe) await services.Mailboxes.SubscribeAsync(Me, MyAccount, name, ct);
        else await services.Mailboxes.UnsubscribeAsync(Me, MyAccount, name, ct);
    }

    private async Task ListAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        // RFC 5258 selection options
        var subscribedOnly = false;
        var recursiveMatch = false;
        if (p.TryOpen())
        {
            var first = true;
            while (!p.TryChar(')'))
            {
                if (!first) p.Space();
                first = false;
                var option = p.Atom().ToUpperInvariant();
                if (option == "SUBSCRIBED") subscribedOnly = true;
                else if (option == "RECURSIVEMATCH") recursiveMatch = true;
                else if (option is not ("REMOTE" or "SPECIAL-USE")) throw new ImapParseException("Unknown LIST selection option");
            }
            p.Space();
        }
        var reference = p.Mailbox();
        p.Space();
        var patterns = new List<string>();
        if (p.TryOpen())
        {
            do patterns.Add(p.ListMailbox()); while (p.TryChar(' '));
            p.Close();
        }
        else
        {
            patterns.Add(p.ListMailbox());
        }
        var returnSubscribed = subscribedOnly;
        var returnSpecialUse = true;
        List<string>? statusItems = null;
        if (p.TryChar(' '))
        {
            if (!p.Atom().Equals("RETURN", StringComparison.OrdinalIgnoreCase)) throw new ImapParseException("Expected RETURN");
            p.Space();
            p.Open();
            var first = true;
            while (!p.TryChar(')'))
            {
                if (!first) p.Space();
                first = false;
                var option = p.Atom().ToUpperInvariant();
                switch (option)
                {
                    case "SUBSCRIBED": returnSubscribed = true; break;
                    case "CHILDREN": break;
                    case "SPECIAL-USE": returnSpecialUse = true; break;
                    case "STATUS":
                        p.Space();
                        statusItems = ParseStatusItems(p);
                        break;
                    default: throw new ImapParseException("Unknown LIST return option");
                }
            }
        }
        p.End();

        if (patterns.Count == 1 && patterns[0].Length == 0 && !subscribedOnly)
        {
            // RFC 3501 §6.3.8: the hierarchy delimiter and the root of the reference.
            _out.Raw("* LIST (\\Noselect) \"/\" \"\"\r\n");
            return;
        }

        HashSet<string>? subscribed = null;
        if (returnSubscribed) subscribed = new HashSet<string>(await services.Mailboxes.ListSubscriptionsAsync(Me, MyAccount, ct), StringComparer.Ordinal);

        if (subscribedOnly)
        {
            // RFC 5258 §3.5: parents of subscribed names appear (with CHILDINFO) only with RECURSIVEMATCH.
            await WriteSubscribedAsync("LIST", reference, patterns, extended: true, ct, placeholders: recursiveMatch);
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pattern in patterns)
        {
            var full = reference + pattern;
            foreach (var item in await services.Mailboxes.ListAsync(Me, full, ct))
            {
                if (!seen.Add(item.Name)) continue;
                var attributes = Attributes(item.Attributes, returnSpecialUse ? item.SpecialUse : SpecialUse.None);
                if (subscribed is not null && subscribed.Contains(item.Name)) attributes.Add("\\Subscribed");
                _out.Raw("* LIST (").Raw(string.Join(' ', attributes)).Raw(") \"/\" ").Mailbox(item.Name).Crlf();
                if (statusItems is not null && !item.Attributes.HasFlag(MailboxAttributes.NoSelect))
                {
                    try
                    {
                        var status = await services.Mailboxes.GetStatusAsync(Me, item.Name, ct);
                        WriteStatus(item.Name, status, statusItems, await RecentCountAsync(item.Name, status, statusItems, ct));
                    }
                    catch (MailboxException)
                    {
                        // RFC 5819 §2: no STATUS for a mailbox that cannot give one.
                    }
                }
            }
        }
    }

    private async Task LsubAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var reference = p.Mailbox();
        p.Space();
        var pattern = p.ListMailbox();
        p.End();
        await WriteSubscribedAsync("LSUB", reference, [pattern], extended: false, ct, placeholders: true);
    }

    /// <summary>
    /// LSUB and LIST (SUBSCRIBED): every subscription entry matching a pattern, in list order (mailboxes.md §5.2); an
    /// entry that does not exist or cannot be seen is <c>\Noselect</c> (LSUB) or <c>\NonExistent</c> (RFC 5258).
    /// With <paramref name="placeholders"/>, a '%' pattern that stops above a subscribed name still shows the parent
    /// it matches: LSUB as <c>\Noselect</c> (RFC 3501 §6.3.9), LIST with <c>CHILDINFO ("SUBSCRIBED")</c> (RFC 5258 §3.5).
    /// </summary>
    private async Task WriteSubscribedAsync(string verb, string reference, List<string> patterns, bool extended, CancellationToken ct, bool placeholders = false)
    {
        var all = await services.Mailboxes.ListSubscriptionsAsync(Me, MyAccount, ct);
        var names = all.Where(n => patterns.Any(pt => MailboxPattern.IsMatch(reference + pt, n))).ToList();
        // LSUB: only '%' stops above a subscribed name (RFC 3501 §6.3.9); LIST RECURSIVEMATCH: any pattern (RFC 5258 §3.5).
        var parents = placeholders ? SubscribedParents(all, patterns.Select(pt => reference + pt).Where(pt => extended || pt.Contains('%')).ToList()) : [];
        if (names.Count == 0 && parents.Count == 0) return;
        var rights = names.Count == 0 ? new Dictionary<string, MailboxRights>() : await services.Mailboxes.GetRightsAsync(Me, names, ct);
        foreach (var name in names)
        {
            var visible = rights.TryGetValue(name, out var r) && r != MailboxRights.None;
            var attributes = extended
                ? (visible ? "\\Subscribed" : "\\NonExistent \\Subscribed")
                : (visible ? "" : "\\Noselect");
            _out.Raw("* ").Raw(verb).Raw(" (").Raw(attributes).Raw(") \"/\" ").Mailbox(name);
            if (extended && placeholders && parents.Remove(name)) _out.Raw(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            _out.Crlf();
        }
        foreach (var parent in parents)
        {
            if (names.Contains(parent)) continue; // LSUB: a subscribed parent is listed as itself
            _out.Raw("* ").Raw(verb).Raw(extended ? " () \"/\" " : " (\\Noselect) \"/\" ").Mailbox(parent);
            if (extended) _out.Raw(" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            _out.Crlf();
        }
    }

    /// <summary>
    /// The ancestors of subscribed names that a pattern matches while that subscribed descendant does not (the
    /// RFC 5258 CHILDINFO condition), in first-seen order.
    /// </summary>
    private static List<string> SubscribedParents(IReadOnlyList<string> subscriptions, List<string> patterns)
    {
        var parents = new List<string>();
        if (patterns.Count == 0) return parents;
        foreach (var name in subscriptions)
        {
            for (var slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                var parent = name[..slash];
                if (!parents.Contains(parent) && patterns.Any(pt => MailboxPattern.IsMatch(pt, parent) && !MailboxPattern.IsMatch(pt, name))) parents.Add(parent);
            }
        }
        return parents;
    }

    private static List<string> Attributes(MailboxAttributes attributes, SpecialUse use)
    {
        var list = new List<string>(4);
        if (attributes.HasFlag(MailboxAttributes.NonExistent)) list.Add("\\NonExistent");
        if (attributes.HasFlag(MailboxAttributes.NoSelect)) list.Add("\\Noselect");
        if (attributes.HasFlag(MailboxAttributes.HasChildren)) list.Add("\\HasChildren");
        if (attributes.HasFlag(MailboxAttributes.HasNoChildren)) list.Add("\\HasNoChildren");
        if (attributes.HasFlag(MailboxAttributes.Subscribed)) list.Add("\\Subscribed");
        if (use != SpecialUse.None) list.Add("\\" + use);
        return list;
    }

    private static List<string> ParseStatusItems(CommandParser p)
    {
        p.Open();
        var items = new List<string>();
        while (!p.TryChar(')'))
        {
            if (items.Count > 0) p.Space();
            var item = p.Atom().ToUpperInvariant();
            if (item is not ("MESSAGES" or "RECENT" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "SIZE" or "HIGHESTMODSEQ")) throw new ImapParseException("Unknown STATUS item");
            items.Add(item);
        }
        if (items.Count == 0) throw new ImapParseException("STATUS needs at least one item");
        return items;
    }

    private async Task StatusAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.Space();
        var items = ParseStatusItems(p);
        p.End();
        var status = await services.Mailboxes.GetStatusAsync(Me, name, ct);
        WriteStatus(name, status, items, await RecentCountAsync(name, status, items, ct));
    }

    /// <summary>STATUS RECENT: the messages no session has been shown as \Recent yet (only when asked: it opens the mailbox).</summary>
    private async Task<int> RecentCountAsync(string name, MailboxStatus status, List<string> items, CancellationToken ct)
    {
        if (!items.Contains("RECENT") || status.Messages == 0) return 0;
        await using var view = await services.Mailboxes.OpenAsync(Me, name, ct);
        var mark = await view.ClaimRecentAsync(0, claim: false, ct);
        if (mark >= status.UidNext - 1) return 0;
        return (await view.SearchAsync(new MessageQuery { Uids = new UidSet([(mark + 1, uint.MaxValue)]) }, ct)).Count;
    }

    private void WriteStatus(string name, MailboxStatus status, List<string> items, int recent)
    {
        _out.Raw("* STATUS ").Mailbox(name).Raw(" (");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) _out.Sp();
            _out.Raw(items[i]).Sp();
            switch (items[i])
            {
                case "MESSAGES": _out.Number(status.Messages); break;
                case "RECENT": _out.Number(recent); break;
                case "UIDNEXT": _out.Number(status.UidNext); break;
                case "UIDVALIDITY": _out.Number(status.UidValidity); break;
                case "UNSEEN": _out.Number(status.Unseen); break;
                case "SIZE": _out.Number(status.Size); break;
                case "HIGHESTMODSEQ": _out.Number(status.HighestModSeq); break;
            }
        }
        _out.Raw(")\r\n");
    }

    /// <summary>RFC 2342, mailboxes.md §5.1: personal "", other users "~", shared "~public/" when the domain has a public account.</summary>
    private async Task NamespaceAsync(CancellationToken ct)
    {
        var hasPublic = await services.Accounts.GetAccountAsync(new AccountAddress("public", MyAccount.Domain), ct) is not null;
        _out.Raw("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ").Raw(hasPublic ? "((\"~public/\" \"/\"))" : "NIL").Crlf();
    }
}
