using Kernel.Abstractions;

namespace Rules;

/// <summary>The set a command names (rules.md §9.3): <c>server</c>, <c>domain D</c> or <c>account A@D</c>, with the words left over.</summary>
internal sealed record RuleTarget(RuleScope Scope, string Document, string? Domain, AccountAddress? Account, IReadOnlyList<string> Rest)
{
    public override string ToString() => Scope switch
    {
        RuleScope.Server => "server",
        RuleScope.Domain => $"domain {Domain}",
        _ => $"account {Account}",
    };

    /// <summary>Reads the scope words and checks that the domain or account exists; null with an error line otherwise.</summary>
    public static async Task<(RuleTarget? Target, string? Error)> ResolveAsync(IReadOnlyList<string> words, IAccountStore accounts, CancellationToken cancellationToken)
    {
        if (words.Count == 0) return (null, "name the set: server | domain <d> | account <a@d>");
        switch (words[0].ToLowerInvariant())
        {
            case "server":
                return (new RuleTarget(RuleScope.Server, RuleDocuments.Server, null, null, words.Skip(1).ToList()), null);
            case "domain" when words.Count > 1:
            {
                var domain = await accounts.ResolveDomainAsync(words[1], cancellationToken);
                return domain is null
                    ? (null, $"no domain {words[1]}")
                    : (new RuleTarget(RuleScope.Domain, RuleDocuments.ForDomain(domain), domain, null, words.Skip(2).ToList()), null);
            }
            case "account" when words.Count > 1:
            {
                if (!AccountAddress.TryParse(words[1], null, out var parsed)) return (null, $"'{words[1]}' is not an account address (name@domain)");
                if (await accounts.FindObjectAsync(parsed!, cancellationToken) is not { Kind: DirectoryObjectKind.Account } found)
                    return (null, $"no account {words[1]}");
                var account = found.Address;
                return (new RuleTarget(RuleScope.Account, RuleDocuments.ForAccount(account), account.Domain, account, words.Skip(2).ToList()), null);
            }
            default:
                return (null, $"name the set: server | domain <d> | account <a@d> (found '{string.Join(' ', words)}')");
        }
    }
}
