using Kernel.Abstractions;

namespace Kernel.Mailboxes;

/// <summary>One row of table <c>mailbox_messages</c>.</summary>
internal sealed class MessageRow
{
    public long Uid { get; set; }
    public long Flags { get; set; }
    public string Keywords { get; set; } = "";
    public long InternalDate { get; set; }
    public long Size { get; set; }
    public long Modseq { get; set; }
    public string BodyId { get; set; } = "";

    /// <summary>Header bytes served before the body (Return-Path on local delivery, 012_message_prefix.sql); null for none.</summary>
    public byte[]? Prefix { get; set; }

    /// <summary>Bytes of the shared body file alone (<see cref="Size"/> counts the prefix too).</summary>
    public long BodyLength => Size - (Prefix?.Length ?? 0);

    public IReadOnlyList<string> KeywordList => Keywords.Length == 0 ? [] : Keywords.Split(' ');

    public MessageSummary ToSummary() => new(
        (uint)Uid, (MessageFlags)Flags, KeywordList, DateTimeOffset.FromUnixTimeMilliseconds(InternalDate), Size, (ulong)Modseq);

    /// <summary>Keywords are atoms (RFC 3501 §9 flag-keyword): case-insensitive, no spaces; kept in first-seen order.</summary>
    public static string JoinKeywords(IEnumerable<string>? keywords)
    {
        if (keywords is null) return "";
        var seen = new List<string>();
        foreach (var keyword in keywords)
        {
            var k = keyword.Trim();
            if (k.Length == 0 || k.Contains(' ') || k.StartsWith('\\')) continue;
            if (!seen.Exists(s => string.Equals(s, k, StringComparison.OrdinalIgnoreCase))) seen.Add(k);
        }
        return string.Join(' ', seen);
    }
}
