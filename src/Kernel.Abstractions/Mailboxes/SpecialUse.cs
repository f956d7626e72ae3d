namespace Kernel.Abstractions;

/// <summary>RFC 6154 special-use attributes.</summary>
public enum SpecialUse
{
    None,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}
