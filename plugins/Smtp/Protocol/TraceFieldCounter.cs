namespace Smtp.Protocol;

/// <summary>
/// Counts the <c>Received:</c> header fields of a message as its bytes pass by (RFC 5321 §6.3: a loop shows as many
/// trace fields), looking only at the header section, so the body is never buffered or scanned.
/// </summary>
internal sealed class TraceFieldCounter
{
    private static readonly byte[] Name = "received:"u8.ToArray();
    private bool _inHeader = true;
    private bool _atLineStart = true;
    private int _matched = -1;

    public int Count { get; private set; }

    public bool HeaderEnded => !_inHeader;

    public void Observe(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (!_inHeader) return;
            if (_atLineStart)
            {
                // RFC 5322 §2.1: the first empty line ends the header section.
                if (b is (byte)'\r' or (byte)'\n')
                {
                    _inHeader = false;
                    return;
                }
                _atLineStart = false;
                _matched = 0;
            }
            if (b == '\n')
            {
                _atLineStart = true;
                _matched = -1;
                continue;
            }
            if (_matched < 0) continue;
            if ((b | 0x20) == Name[_matched])
            {
                _matched++;
                if (_matched == Name.Length)
                {
                    Count++;
                    _matched = -1;
                }
            }
            else
            {
                _matched = -1;
            }
        }
    }
}
