namespace Kernel.Abstractions;

/// <summary>
/// One contact of an AOR: the Contact URI, when it expires, its q-value, the Call-ID and CSeq of the REGISTER that
/// set it (RFC 3261 §10.3 step 7), the Path it arrived on, its +sip.instance, and the source it was received from.
/// </summary>
public sealed record LocationBinding(
    string AddressOfRecord,
    string Contact,
    DateTimeOffset Expires,
    double Q,
    string CallId,
    uint CSeq,
    string? ReceivedFrom = null,
    string? Path = null,
    string? Instance = null);
