namespace Kernel.Abstractions;

/// <summary>A set of UIDs as inclusive ranges (IMAP sequence-set semantics, already resolved to UIDs).</summary>
public sealed record UidSet(IReadOnlyList<(uint First, uint Last)> Ranges)
{
    public static UidSet All { get; } = new([(1u, uint.MaxValue)]);

    public static UidSet Of(params uint[] uids) => new(uids.Select(u => (u, u)).ToArray());

    public static UidSet Range(uint first, uint last) => new([(first, last)]);

    public bool Contains(uint uid)
    {
        foreach (var (first, last) in Ranges)
        {
            if (uid >= first && uid <= last) return true;
        }
        return false;
    }
}
