using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>The result of the effective-rights function; <see cref="AsAdministrator"/> when an administrator row (§10) granted them.</summary>
internal readonly record struct EffectiveRights(MailboxRights Rights, bool AsAdministrator)
{
    public bool Has(MailboxRights right) => (Rights & right) == right;

    /// <summary>§5.4: visible means <c>l</c> or <c>r</c>.</summary>
    public bool Visible => (Rights & (MailboxRights.Lookup | MailboxRights.Read)) != 0;
}
