namespace Kernel.Mailboxes;

/// <summary>One row of table <c>mailboxes</c> (Storage/Migrations/003_mailboxes.sql).</summary>
internal sealed class MailboxRow
{
    public long Id { get; set; }
    public string Account { get; set; } = "";
    public string Name { get; set; } = "";
    public long Selectable { get; set; }
    public long SpecialUse { get; set; }
    public long UidValidity { get; set; }
    public long UidNext { get; set; }
    public long HighestModseq { get; set; }
    public long Messages { get; set; }
    public long Size { get; set; }

    public bool IsSelectable => Selectable != 0;
}
