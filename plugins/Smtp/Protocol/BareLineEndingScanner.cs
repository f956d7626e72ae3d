namespace Smtp.Protocol;

/// <summary>
/// Finds a bare CR or bare LF in BDAT chunks (RFC 3030 has no dot handling, but smtp.md §6 applies the same
/// smuggling rule as DATA to 7BIT/8BITMIME bodies). Keeps one byte of state, so a CR LF split across chunks is fine.
/// </summary>
internal sealed class BareLineEndingScanner
{
    private bool _pendingCr;

    public bool Found { get; private set; }

    public void Scan(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (_pendingCr && b != '\n') Found = true;
            if (!_pendingCr && b == '\n') Found = true;
            _pendingCr = b == '\r';
        }
    }

    /// <summary>At the end of the message: a CR with nothing after it is bare too.</summary>
    public void Finish()
    {
        if (_pendingCr) Found = true;
        _pendingCr = false;
    }
}
