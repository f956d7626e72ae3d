namespace Kernel.Abstractions;

/// <summary>
/// How a plugin wants one listener role served. Operators override the limits per listener from configuration:
/// <c>&lt;Plugin&gt;[:&lt;Role&gt;]:MaxConnections</c>, <c>MaxConnectionsPerIp</c>, <c>IdleTimeoutSeconds</c> and
/// <c>ImplicitTls</c> (true/false) win over the values here.
/// </summary>
public sealed record ConnectionListenerOptions
{
    /// <summary><c>null</c> = the main service (<c>&lt;Plugin&gt;:Listen</c>); otherwise <c>&lt;Plugin&gt;:&lt;Role&gt;:Listen</c>.</summary>
    public string? Role { get; init; }

    /// <summary>The port on 127.0.0.1 when the operator configured no <c>Listen</c> list (0 = a free port).</summary>
    public required int DefaultPort { get; init; }

    /// <summary>TLS from the first byte (SMTPS 465, IMAPS 993): the handler starts after the handshake.</summary>
    public bool ImplicitTls { get; init; }

    /// <summary>Open connections on this role across every address (every input has a limit).</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Open connections from one client address on this role.</summary>
    public int MaxConnectionsPerIp { get; init; } = 20;

    /// <summary>No byte in either direction for this long: the kernel writes <see cref="IdleTimeoutReply"/> and closes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Written to a connection refused by a limit before it is closed, e.g. <c>421 4.7.0 Too many connections\r\n</c>; empty = close silently.</summary>
    public ReadOnlyMemory<byte> RefusalReply { get; init; }

    /// <summary>Written before an idle connection is closed, e.g. <c>421 4.4.2 Idle timeout\r\n</c>; empty = close silently.</summary>
    public ReadOnlyMemory<byte> IdleTimeoutReply { get; init; }
}
