namespace Kernel.Abstractions;

public sealed record AccountChanged(AccountAddress Account, AccountChange Change) : KernelEvent;
