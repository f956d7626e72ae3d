namespace Kernel.Abstractions;

/// <summary>Server rights; only Main-Domain accounts may hold them (mailboxes.md §10).</summary>
[Flags]
public enum ServerRights
{
    None = 0,
    Master = 1,
    AllUsers = 2,
    Settings = 4,
    Monitor = 8,
    Directory = 16,
}
