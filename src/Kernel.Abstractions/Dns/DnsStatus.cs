namespace Kernel.Abstractions;

public enum DnsStatus
{
    Ok,

    /// <summary>The name exists but has no record of this type.</summary>
    NoData,

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    NameError,

    /// <summary>SERVFAIL, timeout, unreachable server: try again later.</summary>
    TemporaryFailure,
}
