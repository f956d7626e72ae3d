using Kernel.Abstractions;

namespace Kernel.Configuration;

/// <summary>
/// One setting the server reads: its key, the Guide's label for it, the type and values it accepts, its default and
/// the scopes it may be stored at. <see cref="OldNames"/> are earlier keys still read, so existing data folders keep working.
/// </summary>
public sealed record KnownSetting(
    string Key,
    string GuideLabel,
    string Type,
    string Allowed,
    string? Default,
    SettingLevels Levels,
    Func<string, bool> IsValid,
    string Reader,
    IReadOnlyList<string>? OldNames = null)
{
    public IReadOnlyList<string> AllNames => [Key, .. OldNames ?? []];

    public bool IsAllowedAt(SettingScopeKind kind) => Levels.HasFlag(kind switch
    {
        SettingScopeKind.Server => SettingLevels.Server,
        SettingScopeKind.Domain => SettingLevels.Domain,
        SettingScopeKind.AccountTemplate => SettingLevels.Template,
        _ => SettingLevels.Account,
    });

    /// <summary>Where it may be set, as options: "server, --domain".</summary>
    public string LevelsText => string.Join(", ", new[]
    {
        Levels.HasFlag(SettingLevels.Server) ? "server" : null,
        Levels.HasFlag(SettingLevels.Domain) ? "--domain" : null,
        Levels.HasFlag(SettingLevels.Template) ? "--template" : null,
        Levels.HasFlag(SettingLevels.Account) ? "--account" : null,
    }.Where(l => l is not null));
}
