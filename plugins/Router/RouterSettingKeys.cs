namespace Router;

/// <summary>Settings the Router reads from the settings store (router.md §8, §9; smtp.md §5). Values are text.</summary>
public static class RouterSettingKeys
{
    /// <summary>Domain: Mail to Unknown — <c>Rejected</c> (default) | <c>Discarded</c> | <c>AcceptedAndBounced</c> | <c>Rerouted:&lt;address&gt;</c>.</summary>
    public const string MailToUnknown = "MailToUnknown";

    /// <summary>Server: the Client IP Addresses network list (Guide: Network settings); default <c>127.0.0.1</c> and <c>::1</c>.</summary>
    public const string ClientIpAddresses = "Network.ClientIpAddresses";

    /// <summary>The key <see cref="ClientIpAddresses"/> had before it was named like the others; still read when the new one is absent.</summary>
    public const string OldClientIpAddresses = "ClientIpAddresses";

    /// <summary>Domain: the IP addresses assigned to the domain (router.md §2.2 N7: a literal naming one routes to this domain).</summary>
    public const string DomainIpAddresses = "IPAddresses";

    /// <summary>Server: Hold Mail for Domains — queue names separated by commas or new lines; <c>*.x</c> matches subdomains.</summary>
    public const string HoldDomains = "SMTP.HoldDomains";

    /// <summary>Server: Relay to All Hosts We Backup — <c>true</c>|<c>false</c> (default false).</summary>
    public const string RelayToHostsWeBackup = "SMTP.RelayToHostsWeBackup";

    /// <summary>Server: Relay to Client IP Addresses if sent to — <c>none</c> (default) | <c>simple</c> | <c>any</c>.</summary>
    public const string RelayToClientIps = "SMTP.RelayToClientIps";

    /// <summary>Server: Relay to any IP address if received from — <c>clients</c> (default) | <c>nobody</c> | <c>anybody</c>.</summary>
    public const string RelayFrom = "SMTP.RelayFrom";

    /// <summary>
    /// Account (or its template, domain, server): the "Relay" service — <c>true</c> (default) | <c>false</c>. smtp.md §5.1:
    /// AUTH makes a session trusted for relaying only while it is on; off, the account still sends to local recipients.
    /// </summary>
    public const string RelayService = "SMTP.Relay";
}
