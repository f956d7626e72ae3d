namespace Kernel.Abstractions;

/// <summary>
/// Who is asking. Every mailbox and file-store call carries one and the store applies the one effective-rights
/// function (mailboxes.md §4.3). An administrator is a <see cref="PrincipalKind.User"/> whose account holds
/// administrator rights; the store looks those up on every call so that revocation takes effect at once.
/// </summary>
public sealed record Principal
{
    private Principal(PrincipalKind kind, AccountAddress? account)
    {
        Kind = kind;
        Account = account;
    }

    public PrincipalKind Kind { get; }

    /// <summary>The authenticated account; null for <see cref="PrincipalKind.System"/>.</summary>
    public AccountAddress? Account { get; }

    public static Principal System { get; } = new(PrincipalKind.System, null);

    public static Principal User(AccountAddress account) => new(PrincipalKind.User, account);

    public override string ToString() => Kind == PrincipalKind.System ? "System" : Account!.ToString();
}
