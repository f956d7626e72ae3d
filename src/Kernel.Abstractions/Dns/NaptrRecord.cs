namespace Kernel.Abstractions;

public sealed record NaptrRecord(int Order, int Preference, string Flags, string Services, string Regexp, string Replacement);
