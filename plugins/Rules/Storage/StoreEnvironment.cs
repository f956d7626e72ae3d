using Kernel.Abstractions;

namespace Rules;

/// <summary>
/// The rule environment backed by the kernel's stores: the account's time zone setting, its own mailboxes (asked as
/// the account, which sees all of them), its settings, and remembered lists kept as configuration documents.
/// </summary>
internal sealed class StoreEnvironment(IAccountStore accounts, IMailboxStore? mailboxes, IConfigurationStore documents, TimeProvider time, bool dryRun) : IRuleEnvironment
{
    public const string TimeZoneSetting = "TimeZone";

    private static readonly SemaphoreSlim ListWrites = new(1, 1);

    public async Task<DateTimeOffset> NowAsync(AccountAddress? account, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var zone = time.LocalTimeZone;
        if (account is not null && await accounts.GetSettingAsync(SettingScope.ForAccount(account), TimeZoneSetting, cancellationToken) is { Length: > 0 } id
            && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var own))
            zone = own;
        return TimeZoneInfo.ConvertTime(now, zone);
    }

    public async Task<bool> MailboxExistsAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken)
    {
        if (mailboxes is null) return false;
        try
        {
            await mailboxes.GetStatusAsync(Principal.User(account), mailbox, cancellationToken);
            return true;
        }
        catch (MailboxException)
        {
            return false;
        }
    }

    public Task<string?> PreferenceAsync(AccountAddress account, string name, CancellationToken cancellationToken) =>
        accounts.GetSettingAsync(SettingScope.ForAccount(account), name, cancellationToken);

    public async Task<IReadOnlyList<string>> RememberedAsync(AccountAddress account, string list, CancellationToken cancellationToken) =>
        Lines(await documents.GetAsync(RuleDocuments.ForList(account, list), cancellationToken));

    public async Task RememberAsync(AccountAddress account, string list, string address, CancellationToken cancellationToken)
    {
        if (dryRun) return;
        var name = RuleDocuments.ForList(account, list);
        await ListWrites.WaitAsync(cancellationToken);
        try
        {
            var lines = Lines(await documents.GetAsync(name, cancellationToken)).ToList();
            if (lines.Contains(address, StringComparer.OrdinalIgnoreCase)) return;
            lines.Add(address);
            // rules.md §6: at most 500 addresses, the oldest dropped.
            if (lines.Count > RuleLimits.MaxRememberedAddresses) lines.RemoveRange(0, lines.Count - RuleLimits.MaxRememberedAddresses);
            await documents.SetAsync(name, string.Join('\n', lines) + "\n", cancellationToken);
        }
        finally
        {
            ListWrites.Release();
        }
    }

    private static IReadOnlyList<string> Lines(string? text) =>
        text is null ? [] : text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
