namespace Kernel.Abstractions;

public sealed record AliasInfo(AccountAddress Alias, AccountAddress Account);
