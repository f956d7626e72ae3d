using System.Text;
using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>
/// The header section of a message (RFC 5322 §2.2): the fields rules see (name, unfolded value) and header edits
/// (rules.md §6 Add Header / Tag Subject) applied without reading the body into memory. Reads at most a fixed number
/// of bytes; a header section longer than that is seen only up to the limit.
/// </summary>
internal sealed class HeaderBlock
{
    private readonly List<(string Name, string Raw)> _fields;

    private HeaderBlock(List<(string Name, string Raw)> fields, int length)
    {
        _fields = fields;
        Length = length;
    }

    /// <summary>Bytes of the header section before the empty line (the body, with that line, follows).</summary>
    public int Length { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Fields =>
        _fields.Select(f => new KeyValuePair<string, string>(f.Name, Unfold(f.Raw))).ToList();

    public static async Task<HeaderBlock> ReadAsync(MessageBody body, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[(int)Math.Min(maxBytes, Math.Max(body.Length, 0))];
        var filled = 0;
        await using (var stream = body.OpenRead())
        {
            while (filled < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (n == 0) break;
                filled += n;
            }
        }
        var span = buffer.AsSpan(0, filled);
        var end = span.IndexOf("\r\n\r\n"u8);
        // A message may start with its body (no header): then the header section is empty.
        int length = span.StartsWith("\r\n"u8) ? 0 : end >= 0 ? end + 2 : filled;
        var text = Encoding.Latin1.GetString(span[..length]);
        var fields = new List<(string, string)>();
        foreach (var line in text.Split("\r\n"))
        {
            if (line.Length == 0) continue;
            if ((line[0] == ' ' || line[0] == '\t') && fields.Count > 0)
            {
                // RFC 5322 §2.2.3: a line starting with white space continues the previous field.
                var (n, raw) = fields[^1];
                fields[^1] = (n, raw + "\r\n" + line);
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            fields.Add((line[..colon].Trim(), line[(colon + 1)..]));
        }
        return new HeaderBlock(fields, length);
    }

    public string? Get(string name) =>
        _fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => Unfold(f.Raw)).FirstOrDefault();

    /// <summary>
    /// The message with <paramref name="edits"/> applied: a field with a null value removes every field of that name,
    /// others are added at the top (where trace and rule fields go). The body part is streamed from the original.
    /// </summary>
    public Stream OpenEdited(MessageBody body, IReadOnlyList<HeaderEdit> edits)
    {
        var removed = edits.Where(e => e.Value is null).Select(e => e.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var head = new StringBuilder();
        foreach (var add in edits.Where(e => e.Value is not null)) head.Append(add.Name).Append(": ").Append(add.Value).Append("\r\n");
        foreach (var (name, raw) in _fields)
        {
            if (removed.Contains(name)) continue;
            head.Append(name).Append(':').Append(raw).Append("\r\n");
        }
        var original = body.OpenRead();
        Skip(original, Length);
        if (Length == 0) head.Append("\r\n"); // the original had no header: keep the separating empty line
        return new ConcatenatedStream(new MemoryStream(Encoding.Latin1.GetBytes(head.ToString()), writable: false), original);
    }

    private static void Skip(Stream stream, int count)
    {
        if (stream.CanSeek) { stream.Position = count; return; }
        var scratch = new byte[Math.Min(count, 8192)];
        while (count > 0)
        {
            var n = stream.Read(scratch, 0, Math.Min(count, scratch.Length));
            if (n == 0) break;
            count -= n;
        }
    }

    private static string Unfold(string raw) => raw.Replace("\r\n", "", StringComparison.Ordinal).Trim();
}
