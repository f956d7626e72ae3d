using System.Globalization;
using System.IO.Pipelines;
using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>FETCH and UID FETCH (RFC 3501 §6.4.5, RFC 7162 CHANGEDSINCE/VANISHED), answered from summaries, the cached structure and byte ranges.</summary>
internal sealed partial class ImapSession
{
    private const int FlushThreshold = 64 * 1024;

    /// <summary>
    /// The bodies of the running FETCH's current batch when it reads sections of more than one message (see
    /// <see cref="BodiesAsync"/>); null otherwise.
    /// </summary>
    private Dictionary<uint, MessageBody>? _fetchBodies;

    private async Task FetchAsync(string tag, CommandParser p, bool uid, CancellationToken ct)
    {
        var s = Selected;
        p.Space();
        var set = p.SequenceSetOrSaved();
        p.Space();
        var items = FetchItem.ParseList(p);
        ulong? changedSince = null;
        var vanished = false;
        if (p.TryChar(' '))
        {
            p.Open();
            var first = true;
            while (!p.TryChar(')'))
            {
                if (!first) p.Space();
                first = false;
                var modifier = p.Atom().ToUpperInvariant();
                if (modifier == "CHANGEDSINCE")
                {
                    p.Space();
                    changedSince = p.Number64();
                    _condstore = true;
                }
                else if (modifier == "VANISHED" && uid && _qresync) vanished = true;
                else throw new ImapParseException("Unknown FETCH modifier");
            }
            if (vanished && changedSince is null) throw new ImapParseException("VANISHED needs CHANGEDSINCE");
        }
        p.End();
        if (uid && !items.Any(i => i.Kind == FetchKind.Uid)) items.Insert(0, new FetchItem(FetchKind.Uid));
        if (changedSince is not null && !items.Any(i => i.Kind == FetchKind.ModSeq)) items.Add(new FetchItem(FetchKind.ModSeq));

        var uids = s.Resolve(set, uid);
        if (vanished)
        {
            var gone = await s.View.GetVanishedAsync(changedSince!.Value, uids, ct);
            if (gone.Count > 0) _out.Raw("* VANISHED (EARLIER) ").Raw(SequenceSet.Format(gone)).Crlf();
        }
        var summaries = await s.View.FetchAsync(uids, changedSince, ct);

        // RFC 3501 §6.4.5: BODY[…] (not PEEK) sets \Seen — only in a read-write session and with the s right (mailboxes.md §5.3).
        var setsSeen = items.Any(i => i.Kind is FetchKind.Section or FetchKind.Binary && !i.Peek);
        var addFlags = false;
        if (setsSeen && !s.ReadOnly && s.View.Rights.HasFlag(MailboxRights.Seen))
        {
            var unseen = summaries.Where(m => !m.Flags.HasFlag(MessageFlags.Seen)).Select(m => m.Uid).ToArray();
            if (unseen.Length > 0)
            {
                var stored = await s.View.StoreFlagsAsync(UidSet.Of(unseen), new FlagChange(FlagChangeMode.Add, MessageFlags.Seen, []), null, ct);
                var updated = stored.Updated.ToDictionary(m => m.Uid);
                summaries = summaries.Select(m => updated.TryGetValue(m.Uid, out var u) ? u : m).ToList();
                addFlags = !items.Any(i => i.Kind == FetchKind.Flags);
            }
        }
        var binary = items.Any(i => i.Kind is FetchKind.Binary or FetchKind.BinarySize);
        var needsStructure = binary || items.Any(i => i.Kind is FetchKind.Envelope or FetchKind.Body or FetchKind.BodyStructure || (i.Kind == FetchKind.Section && (i.Path.Length > 0 || i.Specifier.Length > 0)));
        var batched = summaries.Count > 1 && items.Any(i => i.Kind is FetchKind.Section or FetchKind.Binary);
        try
        {
            if (!await WriteFetchResponsesAsync(tag, items, summaries, batched, needsStructure, binary, addFlags, ct)) return;
        }
        finally
        {
            _fetchBodies = null;
        }
        await SyncAsync(allowExpunge: uid, ct);
        _out.Raw(tag).Raw(" OK FETCH completed\r\n");
    }

    /// <summary>One untagged FETCH response per message; false when the FETCH failed at an undecodable BINARY part (its NO written).</summary>
    private async Task<bool> WriteFetchResponsesAsync(string tag, List<FetchItem> items, IReadOnlyList<MessageSummary> summaries, bool batched,
        bool needsStructure, bool binary, bool addFlags, CancellationToken ct)
    {
        var s = Selected;
        var count = 0;
        // Structures (ENVELOPE, BODYSTRUCTURE, sections) of many messages a batch at a time, as the bodies.
        var batchStructures = needsStructure && summaries.Count > 1;
        var uids = batched || batchStructures ? summaries.Select(m => m.Uid).ToList() : null;
        Dictionary<uint, MessageStructure>? structures = null;
        for (var i = 0; i < summaries.Count; i++)
        {
            var m = summaries[i];
            if (batched && i % BodyBatch == 0) _fetchBodies = await BodiesAsync(s.View, uids!, i, ct);
            if (batchStructures && i % BodyBatch == 0) structures = await StructuresAsync(s.View, uids!, i, ct);
            var n = s.SequenceOf(m.Uid);
            if (n == 0) continue;
            var structure = !needsStructure ? null : structures is null ? await s.View.GetStructureAsync(m.Uid, ct) : structures.GetValueOrDefault(m.Uid);
            if (needsStructure && structure is null) continue; // expunged meanwhile
            if (binary && !CanDecodeBinary(items, structure!))
            {
                // RFC 3516 §4.2: a part whose encoding the server does not know fails the FETCH.
                _out.Raw(tag).Raw(" NO [UNKNOWN-CTE] Cannot decode the part's Content-Transfer-Encoding\r\n");
                return false;
            }
            _out.Raw("* "u8).Number(n).Raw(" FETCH ("u8);
            var firstItem = true;
            foreach (var item in items)
            {
                if (!firstItem) _out.Sp();
                firstItem = false;
                // Only sections read the message: the other items are written without an await (FETCH 1:* FLAGS
                // writes tens of thousands of them).
                if (item.Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize) await WriteItemAsync(item, m, structure, ct);
                else WriteItem(item, m, structure);
            }
            if (addFlags)
            {
                _out.Sp();
                WriteFlags(m, s);
            }
            _out.Raw(")\r\n"u8);
            // Bounded output buffering: flush once 64 KiB are waiting (bodies: a few per send instead of one send
            // each), and at least every 256 messages.
            if (++count % 256 == 0 || _out.Unflushed is not < FlushThreshold) await _out.FlushAsync(ct);
        }
        return true;
    }

    /// <summary>
    /// The message's bytes from <paramref name="offset"/>, from this FETCH's batch when it holds the UID (the caller
    /// reads at most <paramref name="length"/>), else from the store's range read; null when the UID is gone.
    /// </summary>
    private async Task<Stream?> OpenSectionAsync(uint uid, long offset, long length, CancellationToken ct)
    {
        if (_fetchBodies is null || !_fetchBodies.TryGetValue(uid, out var body)) return await Selected.View.OpenRangeAsync(uid, offset, length, ct);
        var stream = body.OpenRead();
        try
        {
            if (stream.CanSeek) stream.Seek(offset, SeekOrigin.Begin);
            else if (offset > 0)
            {
                var skip = new byte[(int)Math.Min(offset, 64 * 1024)];
                for (var left = offset; left > 0;)
                {
                    var read = await stream.ReadAsync(skip.AsMemory(0, (int)Math.Min(left, skip.Length)), ct);
                    if (read == 0) break;
                    left -= read;
                }
            }
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>A section read whole (header fields, a part to decode): at most <paramref name="length"/> bytes; null when the UID is gone.</summary>
    private async Task<byte[]?> ReadSectionAsync(uint uid, long offset, long length, CancellationToken ct)
    {
        await using var stream = await OpenSectionAsync(uid, offset, length, ct);
        if (stream is null) return null;
        var buffer = new byte[length];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return read == buffer.Length ? buffer : buffer[..read];
    }

    private async Task WriteItemAsync(FetchItem item, MessageSummary m, MessageStructure? structure, CancellationToken ct)
    {
        switch (item.Kind)
        {
            case FetchKind.Section:
                await WriteSectionAsync(item, m, structure, ct);
                break;
            case FetchKind.Binary:
            case FetchKind.BinarySize:
                await WriteBinaryAsync(item, m, structure!, ct);
                break;
            default:
                WriteItem(item, m, structure);
                break;
        }
    }

    /// <summary>An item answered from the summary or the structure (not a section).</summary>
    private void WriteItem(FetchItem item, MessageSummary m, MessageStructure? structure)
    {
        switch (item.Kind)
        {
            case FetchKind.Uid: _out.Raw("UID "u8).Number(m.Uid); break;
            case FetchKind.Flags: WriteFlags(m, Selected); break;
            case FetchKind.InternalDate: _out.Raw("INTERNALDATE \"").Raw(FormatInternalDate(m.InternalDate)).Raw("\""); break;
            case FetchKind.Size: _out.Raw("RFC822.SIZE "u8).Number(m.Size); break;
            case FetchKind.ModSeq: _out.Raw("MODSEQ ("u8).Number(m.ModSeq).Raw(")"u8); break;
            case FetchKind.Envelope:
                _out.Raw("ENVELOPE ");
                StructureWriter.Envelope(_out, structure!.Envelope);
                break;
            case FetchKind.Body:
                _out.Raw("BODY ");
                StructureWriter.Body(_out, structure!.Body, extended: false);
                break;
            case FetchKind.BodyStructure:
                _out.Raw("BODYSTRUCTURE ");
                StructureWriter.Body(_out, structure!.Body, extended: true);
                break;
            default:
                throw new InvalidOperationException($"FETCH item {item.Kind} reads the message");
        }
    }

    private async Task WriteSectionAsync(FetchItem item, MessageSummary m, MessageStructure? structure, CancellationToken ct)
    {
        _out.Raw(item.Label).Sp();
        var range = structure is null ? (0L, m.Size) : SectionLocator.Locate(structure, item.Path, item.Specifier);
        if (range is not { } r)
        {
            _out.Raw("\"\"");
            return;
        }
        if (item.Specifier is "HEADER.FIELDS" or "HEADER.FIELDS.NOT")
        {
            var header = await ReadSectionAsync(m.Uid, r.Offset, r.Length, ct);
            if (header is null) { _out.Raw("\"\""); return; }
            var filtered = SectionLocator.FilterHeader(header, item.Fields, item.Specifier.EndsWith(".NOT", StringComparison.Ordinal));
            var (fs, fl) = Partial(filtered.Length, item);
            _out.Literal(filtered.AsSpan((int)fs, (int)fl));
            return;
        }
        var (start, length) = Partial(r.Length, item);
        if (length == 0)
        {
            _out.Raw("\"\"");
            return;
        }
        await using var stream = await OpenSectionAsync(m.Uid, r.Offset + start, length, ct);
        if (stream is null)
        {
            _out.Raw("\"\"");
            return;
        }
        _out.Raw("{").Number(length).Raw("}\r\n");
        // Stream the bytes into the pipe; pad with spaces if the file turned out shorter than announced (never happens for a consistent store).
        var left = length;
        var output = _out.Output;
        while (left > 0)
        {
            var memory = WritableSpace(output, (int)Math.Min(left, LiteralChunk));
            var read = await stream.ReadAsync(memory[..(int)Math.Min(left, memory.Length)], ct);
            if (read == 0)
            {
                memory.Span[..(int)Math.Min(left, memory.Length)].Fill((byte)' ');
                read = (int)Math.Min(left, memory.Length);
            }
            output.Advance(read);
            left -= read;
            // Flush mid-literal only for a large body (bounded buffering); a short read (the prefix of a delivered
            // message comes first, PrefixedStream) just goes round again.
            if (left > 0 && (!output.CanGetUnflushedBytes || output.UnflushedBytes >= FlushThreshold)) await output.FlushAsync(ct);
        }
    }

    /// <summary>Bytes of a literal read into the pipe at a time.</summary>
    private const int LiteralChunk = 64 * 1024;

    /// <summary>
    /// Room in the pipe for <paramref name="wanted"/> bytes: the current buffer segment when it has that much, else a new
    /// segment of <see cref="LiteralChunk"/>. The connection's pipe writes each segment with its own send, and asking
    /// for just a body's size gave every small body a segment of its own — one send per message in a FETCH 1:*
    /// (issue 11); a 64 KiB segment holds the responses of a dozen 5 KB messages.
    /// </summary>
    private static Memory<byte> WritableSpace(PipeWriter output, int wanted)
    {
        var memory = output.GetMemory();
        return memory.Length >= wanted ? memory : output.GetMemory(LiteralChunk);
    }

    private static (long Start, long Length) Partial(long size, FetchItem item)
    {
        if (item.PartialStart is not { } start) return (0, size);
        if (start >= size) return (size, 0);
        return (start, Math.Min(item.PartialLength!.Value, size - start));
    }

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>RFC 3501 date-time: <c>dd-Mon-yyyy hh:mm:ss +zzzz</c>, day space-padded.</summary>
    internal static string FormatInternalDate(DateTimeOffset d)
    {
        var offset = d.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{d.Day,2}-{Months[d.Month - 1]}-{d.Year:D4} {d.Hour:D2}:{d.Minute:D2}:{d.Second:D2} {sign}{offset.Hours:D2}{offset.Minutes:D2}");
    }

    internal static bool TryParseInternalDate(string text, out DateTimeOffset value)
    {
        value = default;
        text = text.Trim();
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3) return false;
        var dmy = parts[0].Split('-');
        if (dmy.Length != 3 || !int.TryParse(dmy[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)) return false;
        var month = Array.FindIndex(Months, x => x.Equals(dmy[1], StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0 || !int.TryParse(dmy[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year)) return false;
        var hms = parts[1].Split(':');
        if (hms.Length != 3) return false;
        if (!int.TryParse(hms[0], out var h) || !int.TryParse(hms[1], out var mi) || !int.TryParse(hms[2], out var se)) return false;
        var zone = parts[2];
        if (zone.Length != 5 || zone[0] is not ('+' or '-') || !int.TryParse(zone[1..3], out var zh) || !int.TryParse(zone[3..], out var zm)) return false;
        try
        {
            var offset = new TimeSpan(zh, zm, 0);
            value = new DateTimeOffset(year, month, day, h, mi, se, zone[0] == '-' ? -offset : offset);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
