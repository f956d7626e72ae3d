namespace Kernel.Abstractions;

public enum SettingScopeKind
{
    /// <summary>Server-wide settings and the server defaults every account inherits.</summary>
    Server,

    /// <summary>A domain's own settings (Mail to Unknown, Client IP Addresses…) and the defaults its accounts inherit.</summary>
    Domain,

    /// <summary>The domain's Account Template: values and the initial lists copied into new accounts.</summary>
    AccountTemplate,

    Account,
}
