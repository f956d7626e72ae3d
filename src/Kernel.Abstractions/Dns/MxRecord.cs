namespace Kernel.Abstractions;

public sealed record MxRecord(int Preference, string Exchange);
