namespace Kernel.Abstractions;

public sealed record AdminRights(ServerRights Server, DomainAdminRights Domain)
{
    public static AdminRights None { get; } = new(ServerRights.None, DomainAdminRights.None);
}
