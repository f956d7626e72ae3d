namespace Kernel.Abstractions;

/// <summary>Where a setting lives. Effective values resolve Account → AccountTemplate → Domain → Server.</summary>
public sealed record SettingScope(SettingScopeKind Kind, string? Domain = null, string? Account = null)
{
    public static SettingScope Server { get; } = new(SettingScopeKind.Server);

    public static SettingScope ForDomain(string domain) => new(SettingScopeKind.Domain, domain.ToLowerInvariant());

    public static SettingScope ForTemplate(string domain) => new(SettingScopeKind.AccountTemplate, domain.ToLowerInvariant());

    public static SettingScope ForAccount(AccountAddress account) => new(SettingScopeKind.Account, account.Domain, account.Name);

    public override string ToString() => Kind switch
    {
        SettingScopeKind.Server => "server",
        SettingScopeKind.Domain => $"domain {Domain}",
        SettingScopeKind.AccountTemplate => $"template {Domain}",
        _ => $"account {Account}@{Domain}",
    };
}
