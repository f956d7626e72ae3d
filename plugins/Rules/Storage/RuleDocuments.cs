using Kernel.Abstractions;

namespace Rules;

/// <summary>
/// Where sets live: one document per scope in the kernel's configuration store, in the canonical form of rules.md
/// §9.1 (like the Router's <c>router.table</c>). Remembered address lists (§6 <c>Remember 'From' in</c>) are documents
/// too, under another prefix so writing one does not make the rule sets reload.
/// </summary>
public static class RuleDocuments
{
    public const string Prefix = "rules.";
    public const string ListPrefix = "rules-list.";

    public const string Server = "rules.server";

    public static string ForDomain(string domain) => $"rules.domain.{domain.Trim().ToLowerInvariant()}";

    public static string ForAccount(AccountAddress account) => $"rules.account.{account.ToString().ToLowerInvariant()}";

    public static string ForList(AccountAddress account, string list) => $"{ListPrefix}{account.ToString().ToLowerInvariant()}.{list.ToLowerInvariant()}";
}
