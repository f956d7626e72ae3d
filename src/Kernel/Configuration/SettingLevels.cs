namespace Kernel.Configuration;

/// <summary>The scopes a known setting may be stored at (SettingScopeKind as flags).</summary>
[Flags]
public enum SettingLevels
{
    None = 0,
    Server = 1,
    Domain = 2,
    Template = 4,
    Account = 8,
    ServerDomain = Server | Domain,
    All = Server | Domain | Template | Account,
}
