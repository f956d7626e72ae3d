namespace Kernel.Abstractions;

public enum AccountChange
{
    Created,
    Removed,
    PasswordChanged,
    SettingsChanged,
    RightsChanged,
}
