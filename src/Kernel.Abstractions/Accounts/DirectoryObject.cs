namespace Kernel.Abstractions;

/// <summary>
/// What a name in a domain is. <see cref="Target"/>: for an alias the account it names (<c>name@domain</c>);
/// for a forwarder the address mail is rerouted to; null otherwise.
/// </summary>
public sealed record DirectoryObject(DirectoryObjectKind Kind, AccountAddress Address, string? Target);
