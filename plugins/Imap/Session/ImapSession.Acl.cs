using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>RFC 4314 ACL commands and RFC 9208 QUOTA, answered from the mailbox store (which checks every right).</summary>
internal sealed partial class ImapSession
{
    private async Task GetAclAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.End();
        var entries = await services.Mailboxes.GetAclAsync(Me, name, ct);
        _out.Raw("* ACL ").Mailbox(name);
        foreach (var entry in entries) _out.Sp().AString(entry.Identifier).Sp().AString(MailboxRightsText.Format(entry.Rights));
        _out.Crlf();
    }

    private async Task SetAclAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.Space();
        var identifier = p.AString();
        p.Space();
        var rights = p.AString();
        p.End();
        await services.Mailboxes.SetAclAsync(Me, name, identifier, rights, ct);
    }

    private async Task DeleteAclAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.Space();
        var identifier = p.AString();
        p.End();
        await services.Mailboxes.DeleteAclAsync(Me, name, identifier, ct);
    }

    private async Task ListRightsAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.Space();
        var identifier = p.AString();
        p.End();
        var list = await services.Mailboxes.ListRightsAsync(Me, name, identifier, ct);
        _out.Raw("* LISTRIGHTS ").Mailbox(name).Sp().AString(identifier).Sp().String(MailboxRightsText.Format(list.Required));
        foreach (var group in list.Optional) _out.Sp().Raw(TiedGroup(group));
        _out.Crlf();
    }

    /// <summary>mailboxes.md §5.5: Create prints as "kc", Delete as "xted".</summary>
    private static string TiedGroup(MailboxRights rights) => rights switch
    {
        MailboxRights.Create => "kc",
        MailboxRights.Delete => "xted",
        _ => MailboxRightsText.Format(rights),
    };

    private async Task MyRightsAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.End();
        var rights = await services.Mailboxes.GetRightsAsync(Me, name, ct);
        if (rights == MailboxRights.None) throw MailboxException.NonExistent();
        _out.Raw("* MYRIGHTS ").Mailbox(name).Sp().AString(MailboxRightsText.Format(rights)).Crlf();
    }

    /// <summary>RFC 9208: one quota root per account; "" is the user's own, "~account@domain" another's.</summary>
    private async Task GetQuotaRootAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        p.End();
        AccountAddress owner;
        if (name.StartsWith('~'))
        {
            await using var view = await services.Mailboxes.OpenAsync(Me, name, ct);
            owner = view.Owner;
        }
        else
        {
            if (await services.Mailboxes.GetRightsAsync(Me, name, ct) == MailboxRights.None) throw MailboxException.NonExistent();
            owner = MyAccount;
        }
        var root = owner == MyAccount ? "" : "~" + owner;
        _out.Raw("* QUOTAROOT ").Mailbox(name).Sp().String(root).Crlf();
        await WriteQuotaAsync(root, owner, ct);
    }

    private async Task GetQuotaAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var root = p.AString();
        p.End();
        AccountAddress? owner = root.Length == 0 ? MyAccount : null;
        if (owner is null && (!root.StartsWith('~') || !AccountAddress.TryParse(root[1..], MyAccount.Domain, out owner)))
            throw new MailboxException(MailboxError.NonExistent, "No such quota root");
        await WriteQuotaAsync(root, owner!, ct);
    }

    /// <summary>
    /// RFC 9208 §4.2 SETQUOTA root (STORAGE n): n in units of 1024 octets; an empty list (or STORAGE left out)
    /// removes the limit. The store decides who may (administrators); other resources are not supported.
    /// </summary>
    private async Task SetQuotaAsync(CommandParser p, CancellationToken ct)
    {
        p.Space();
        var root = p.AString();
        p.Space();
        p.Open();
        long? limit = null;
        var first = true;
        while (!p.TryChar(')'))
        {
            if (!first) p.Space();
            first = false;
            var resource = p.Atom().ToUpperInvariant();
            p.Space();
            var value = p.Number64();
            if (resource != "STORAGE") throw new MailboxException(MailboxError.Cannot, "Only the STORAGE resource can be limited");
            if (value > long.MaxValue / 1024) throw new ImapParseException("Quota limit out of range");
            limit = (long)value * 1024;
        }
        p.End();
        AccountAddress? owner = root.Length == 0 ? MyAccount : null;
        if (owner is null && (!root.StartsWith('~') || !AccountAddress.TryParse(root[1..], MyAccount.Domain, out owner)))
            throw new MailboxException(MailboxError.NonExistent, "No such quota root");
        await services.Mailboxes.SetQuotaAsync(Me, owner!, limit, ct);
        await WriteQuotaAsync(root, owner!, ct);
    }

    private async Task WriteQuotaAsync(string root, AccountAddress owner, CancellationToken ct)
    {
        var usage = await services.Mailboxes.GetQuotaAsync(Me, owner, ct);
        _out.Raw("* QUOTA ").String(root).Raw(" (");
        // RFC 9208 §5.1: STORAGE in units of 1024 octets.
        if (usage.LimitBytes is { } limit) _out.Raw("STORAGE ").Number((usage.UsedBytes + 1023) / 1024).Sp().Number(limit / 1024);
        _out.Raw(")\r\n");
    }
}
