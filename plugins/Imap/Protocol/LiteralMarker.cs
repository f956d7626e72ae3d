namespace Imap.Protocol;

/// <summary>The <c>{n}</c> / <c>{n+}</c> (RFC 7888 LITERAL+) at the end of a command line that announces a literal (RFC 3501 §4.3).</summary>
internal static class LiteralMarker
{
    /// <summary>True when <paramref name="line"/> ends with a literal marker; <paramref name="size"/> is -1 when its number is malformed or too big.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out long size, out bool nonSynchronizing)
    {
        size = -1;
        nonSynchronizing = false;
        if (line.Length < 3 || line[^1] != (byte)'}') return false;
        var open = line.LastIndexOf((byte)'{');
        if (open < 0) return false;
        var inner = line[(open + 1)..^1];
        if (inner.Length > 0 && inner[^1] == (byte)'+')
        {
            nonSynchronizing = true;
            inner = inner[..^1];
        }
        if (inner.Length == 0) return false;
        long value = 0;
        foreach (var b in inner)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            if (value > (long.MaxValue - 9) / 10) return true; // a marker, but absurdly large: size stays -1
            value = value * 10 + (b - '0');
        }
        size = value;
        return true;
    }
}
