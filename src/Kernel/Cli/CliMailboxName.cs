using Kernel.Abstractions;
using Kernel.Mailboxes;

namespace Kernel.Cli;

/// <summary>
/// The CLI acts as the System principal, for which only foreign names mean anything: <c>~alice/INBOX</c> (Main
/// Domain), <c>~alice@test.dom/INBOX</c>, or the two words <c>alice@test.dom INBOX</c>.
/// </summary>
public static class CliMailboxName
{
    public static async Task<string> ResolveAsync(IAccountStore accounts, string first, string? second, CancellationToken cancellationToken)
    {
        if (second is null)
        {
            if (!ForeignMailboxName.TrySplit(first, out var accountPart, out _))
                throw new CliError($"'{first}' is not a mailbox name: use ~account/mailbox, ~account@domain/mailbox, or ACCOUNT MAILBOX");
            // An unknown owner is named as such, rather than as the store's "No such mailbox" (which must not tell
            // IMAP clients whether the account exists, but an operator should be told).
            await OwnerAsync(accounts, accountPart, cancellationToken);
            return first;
        }
        var owner = await OwnerAsync(accounts, first, cancellationToken);
        return $"~{owner}/{second}";
    }

    /// <summary>
    /// A name to create says why it is refused (the store's answer is IMAP's bare "Invalid mailbox name"): no IMAP LIST
    /// wildcard (RFC 3501 §6.3.8 — such a name could never be listed alone), no control character, no empty, '.' or
    /// '..' component (mailboxes.md §2.1).
    /// </summary>
    public static void CheckNewName(string foreignName)
    {
        var own = (ForeignMailboxName.TrySplit(foreignName, out _, out var rest) ? rest : foreignName).TrimEnd('/');
        if (own.IndexOfAny(['*', '%']) >= 0)
            throw new CliError($"'{own}' is not a valid mailbox name: '*' and '%' are IMAP LIST wildcards");
        if (own.Any(char.IsControl))
            throw new CliError($"'{own}' is not a valid mailbox name: it holds a control character");
        if (own.Length == 0 || own.Split('/').Any(c => c.Length == 0 || c is "." or ".."))
            throw new CliError($"'{own}' is not a valid mailbox name: empty, '.' and '..' components are not allowed");
    }

    /// <summary>
    /// Runs a mailbox-store call, naming the mailbox in its error: the store's texts ("No such mailbox") are IMAP
    /// response texts and do not say which name they are about, which a one-line CLI error must.
    /// </summary>
    public static async Task<T> OnAsync<T>(string name, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (MailboxException e)
        {
            throw new CliError($"{name}: {e.Message}");
        }
    }

    public static Task OnAsync(string name, Func<Task> action) => OnAsync(name, async () =>
    {
        await action();
        return true;
    });

    public static async Task<AccountAddress> OwnerAsync(IAccountStore accounts, string text, CancellationToken cancellationToken)
    {
        var owner = await CliAddress.ParseAsync(accounts, text, cancellationToken);
        if (await accounts.GetAccountAsync(owner, cancellationToken) is null) throw new CliError($"no account {owner}");
        return owner;
    }
}
