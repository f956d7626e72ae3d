namespace Rules;

/// <summary>rules.md §8.2: what a set may hold.</summary>
public static class RuleLimits
{
    public const int MaxRules = 200;
    public const int MaxConditions = 32;
    public const int MaxActions = 32;
    public const int MaxParameterBytes = 4 * 1024;
    public const int MaxAddresses = 64;
    public const int MaxSetBytes = 64 * 1024;
    public const int MaxRejectText = 200;
    public const int MaxRememberedAddresses = 500;
}
