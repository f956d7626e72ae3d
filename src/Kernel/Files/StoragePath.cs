using System.Text;
using Kernel.Abstractions;

namespace Kernel.Files;

/// <summary>
/// A validated path inside one account's file storage (http-files.md §7): '/'-separated segments, none empty, '.',
/// '..', with '\', a control character or a leading/trailing space; at most 255 bytes a segment, 1,024 bytes in all
/// and 16 folders deep; never absolute. <c>index.wssp</c> is reserved in any case and any folder (§1, §6). The empty
/// string is the account's root; one trailing '/' (a folder URL) is accepted and ignored.
/// </summary>
internal sealed class StoragePath
{
    public const int MaxSegmentBytes = 255;
    public const int MaxPathBytes = 1024;
    public const int MaxFolderDepth = 16;
    public const string ReservedName = "index.wssp";
    public const string PrivateFolder = "private";

    private StoragePath(IReadOnlyList<string> segments)
    {
        Segments = segments;
        Text = string.Join('/', segments);
    }

    public IReadOnlyList<string> Segments { get; }

    /// <summary>The canonical relative form ("" for the root).</summary>
    public string Text { get; }

    public bool IsRoot => Segments.Count == 0;

    /// <summary>Inside the private part: the top-level folder named <c>private</c> in any case, and everything below (§5.1).</summary>
    public bool IsPrivate => Segments.Count > 0 && string.Equals(Segments[0], PrivateFolder, StringComparison.OrdinalIgnoreCase);

    /// <summary>The private folder itself, which cannot be renamed, moved or deleted (§5.1).</summary>
    public bool IsPrivateFolder => Segments.Count == 1 && IsPrivate;

    public string Name => Segments.Count == 0 ? "" : Segments[^1];

    public StoragePath Parent => new(Segments.Take(Segments.Count - 1).ToList());

    public StoragePath Child(string name) => new([.. Segments, name]);

    /// <summary>True when <paramref name="other"/> is this path or lies below it.</summary>
    public bool Contains(StoragePath other) =>
        other.Segments.Count >= Segments.Count && Segments.Select((s, i) => s == other.Segments[i]).All(same => same);

    public static StoragePath Parse(string? path, bool allowRoot)
    {
        if (path is null) throw Bad("no path");
        if (path.Length == 0)
        {
            if (allowRoot) return new StoragePath([]);
            throw Bad("the root is not a file");
        }
        if (path[0] == '/') throw Bad("absolute path");
        var text = path.EndsWith('/') ? path[..^1] : path;
        if (text.Length == 0) throw Bad("absolute path");

        if (!IsWellFormed(text)) throw Bad("not valid Unicode text");
        if (Encoding.UTF8.GetByteCount(text) > MaxPathBytes) throw Bad($"path longer than {MaxPathBytes} bytes");

        var segments = text.Split('/');
        if (segments.Length > MaxFolderDepth + 1) throw Bad($"more than {MaxFolderDepth} folders deep");
        foreach (var segment in segments)
        {
            if (segment.Length == 0) throw Bad("empty segment");
            if (segment is "." or "..") throw Bad("'.' or '..' segment");
            if (segment[0] == ' ' || segment[^1] == ' ') throw Bad("segment starts or ends with a space");
            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes) throw Bad($"segment longer than {MaxSegmentBytes} bytes");
            foreach (var c in segment)
            {
                if (c == '\\') throw Bad("backslash in a segment");
                if (char.IsControl(c)) throw Bad("control character in a segment");
            }
        }
        // Checked after the syntax, so a malformed path is always 400 and only a well-formed reserved one is 403.
        if (segments.Any(s => string.Equals(s, ReservedName, StringComparison.OrdinalIgnoreCase)))
            throw new FileStoreException(FileStoreError.Forbidden, $"'{ReservedName}' is a reserved name");
        return new StoragePath(segments);
    }

    public override string ToString() => Text;

    // A lone surrogate has no UTF-8 form: the name could not be written to disk or sent back to a client.
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }

    private static FileStoreException Bad(string reason) => new(FileStoreError.BadPath, $"bad path: {reason}");
}
