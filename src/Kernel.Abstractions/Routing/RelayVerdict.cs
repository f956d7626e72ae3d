namespace Kernel.Abstractions;

/// <summary>Whether this source may reach the result (router.md §9), with the reason an operator reads.</summary>
public sealed record RelayVerdict(bool Allowed, string Reason)
{
    public static RelayVerdict Allow(string reason) => new(true, reason);

    public static RelayVerdict Deny(string reason) => new(false, reason);

    public override string ToString() => $"relay: {(Allowed ? "allowed" : "denied")} ({Reason})";
}
