using Kernel.Abstractions;

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
            if (!first.StartsWith('~') || !first.Contains('/'))
                throw new CliError($"'{first}' is not a mailbox name: use ~account/mailbox, ~account@domain/mailbox, or ACCOUNT MAILBOX");
            return first;
        }
        var owner = await CliAddress.ParseAsync(accounts, first, cancellationToken);
        return $"~{owner}/{second}";
    }

    public static async Task<AccountAddress> OwnerAsync(IAccountStore accounts, string text, CancellationToken cancellationToken)
    {
        var owner = await CliAddress.ParseAsync(accounts, text, cancellationToken);
        if (await accounts.GetAccountAsync(owner, cancellationToken) is null) throw new CliError($"no account {owner}");
        return owner;
    }
}
