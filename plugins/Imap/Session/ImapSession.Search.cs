using Imap.Protocol;
using Kernel.Abstractions;
using MimeKit;

namespace Imap.Session;

/// <summary>
/// SEARCH and UID SEARCH (RFC 3501 §6.4.4, RFC 4731 ESEARCH RETURN, RFC 7162 MODSEQ): the conditions the store can
/// evaluate go into one <see cref="MessageQuery"/>; the rest (OR, NOT, sequence numbers, headers, body text) run
/// here over the candidates, reading headers and bodies only when a key needs them.
/// </summary>
internal sealed partial class ImapSession
{
    private async Task SearchAsync(string tag, CommandParser p, bool uid, CancellationToken ct)
    {
        var s = Selected;
        p.Space();
        List<string>? returnOptions = null;
        if (p.Peek() is (byte)'R' or (byte)'r' && PeekWord(p, "RETURN"))
        {
            p.Atom();
            p.Space();
            p.Open();
            returnOptions = [];
            while (!p.TryChar(')'))
            {
                if (returnOptions.Count > 0) p.Space();
                var option = p.Atom().ToUpperInvariant();
                if (option is not ("MIN" or "MAX" or "ALL" or "COUNT" or "SAVE")) throw new ImapParseException("Unknown RETURN option " + option);
                returnOptions.Add(option);
            }
            if (returnOptions.Count == 0) returnOptions.Add("ALL");
            p.Space();
        }
        if (p.Peek() is (byte)'C' or (byte)'c' && PeekWord(p, "CHARSET"))
        {
            // RFC 6855 §3 (erratum 4029): once UTF8=ACCEPT is enabled a charset label conflicts with the UTF-8 strings.
            if (_utf8) throw new ImapParseException("SEARCH CHARSET is not allowed after ENABLE UTF8=ACCEPT");
            p.Atom();
            p.Space();
            var charset = p.AString();
            p.Space();
            if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            {
                _out.Raw(tag).Raw(" NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n");
                return;
            }
        }
        var save = returnOptions?.Remove("SAVE") == true;
        SearchKey key;
        List<uint> matches;
        try
        {
            key = SearchKey.ParseAll(p);
            matches = await EvaluateAsync(s, key, ct);
        }
        catch when (save)
        {
            s.SavedResult = []; // RFC 5182 §2.1: a failed SEARCH … RETURN (SAVE) leaves "$" empty
            throw;
        }
        if (save)
        {
            // MIN and/or MAX alone save only those messages; otherwise the whole result.
            var onlyEnds = returnOptions!.Count > 0 && !returnOptions.Contains("ALL") && !returnOptions.Contains("COUNT");
            s.SavedResult = !onlyEnds || matches.Count == 0 ? matches
                : new[] { returnOptions.Contains("MIN") ? matches[0] : matches[^1], returnOptions.Contains("MAX") ? matches[^1] : matches[0] }.Distinct().ToList();
        }
        var usesModSeq = Uses<SearchKey.ModSeq>(key);
        ulong highest = 0;
        if (usesModSeq && matches.Count > 0)
        {
            _condstore = true;
            highest = (await s.View.FetchAsync(UidSet.Of(matches.ToArray()), null, ct)).Select(m => m.ModSeq).DefaultIfEmpty(0UL).Max();
        }
        var numbers = uid ? matches : matches.Select(u => (uint)s.SequenceOf(u)).ToList();
        if (save && returnOptions!.Count == 0)
        {
            // RETURN (SAVE) alone: no ESEARCH response (RFC 5182 §2.1).
        }
        else if (returnOptions is null)
        {
            _out.Raw("* SEARCH");
            foreach (var n in numbers) _out.Sp().Number(n);
            if (usesModSeq && matches.Count > 0) _out.Raw(" (MODSEQ ").Number(highest).Raw(")");
            _out.Crlf();
        }
        else
        {
            _out.Raw("* ESEARCH (TAG ").String(tag).Raw(")");
            if (uid) _out.Raw(" UID");
            if (numbers.Count > 0)
            {
                if (returnOptions.Contains("MIN")) _out.Raw(" MIN ").Number(numbers[0]);
                if (returnOptions.Contains("MAX")) _out.Raw(" MAX ").Number(numbers[^1]);
                if (returnOptions.Contains("ALL")) _out.Raw(" ALL ").Raw(SequenceSet.Format(numbers));
            }
            if (returnOptions.Contains("COUNT")) _out.Raw(" COUNT ").Number(numbers.Count);
            if (usesModSeq && matches.Count > 0) _out.Raw(" MODSEQ ").Number(highest);
            _out.Crlf();
        }
        await SyncAsync(allowExpunge: uid, ct);
        _out.Raw(tag).Raw(" OK SEARCH completed\r\n");
    }

    private static bool PeekWord(CommandParser p, string word)
    {
        return p.PeekAtom().Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    private static bool Uses<T>(SearchKey key) where T : SearchKey => key switch
    {
        T => true,
        SearchKey.Not n => Uses<T>(n.Key),
        SearchKey.Or o => Uses<T>(o.Left) || Uses<T>(o.Right),
        SearchKey.And a => a.Keys.Any(Uses<T>),
        _ => false,
    };

    /// <summary>The UIDs (ascending, known to the client) matching <paramref name="key"/>.</summary>
    private async Task<List<uint>> EvaluateAsync(SelectedMailbox s, SearchKey key, CancellationToken ct)
    {
        var top = key is SearchKey.And and ? and.Keys : [key];
        var query = new MessageQuery();
        var rest = new List<SearchKey>();
        var keywords = new List<string>();
        var notKeywords = new List<string>();
        foreach (var k in top)
        {
            switch (k)
            {
                case SearchKey.All: break;
                case SearchKey.Flag { Set: true } f: query = query with { FlagsSet = query.FlagsSet | f.Value }; break;
                case SearchKey.Flag { Set: false } f: query = query with { FlagsNotSet = query.FlagsNotSet | f.Value }; break;
                case SearchKey.Keyword { Set: true } kw: keywords.Add(kw.Value); break;
                case SearchKey.Keyword { Set: false } kw: notKeywords.Add(kw.Value); break;
                case SearchKey.Size { Larger: true } z: query = query with { LargerThan = Math.Max(query.LargerThan ?? 0, z.Value) }; break;
                case SearchKey.Size { Larger: false } z: query = query with { SmallerThan = Math.Min(query.SmallerThan ?? long.MaxValue, z.Value) }; break;
                case SearchKey.ModSeq m: query = query with { ModSeqAtLeast = Math.Max(query.ModSeqAtLeast ?? 0, m.Value) }; break;
                case SearchKey.Uids u when query.Uids is null: query = query with { Uids = s.Resolve(u.Set, uid: true) }; break;
                case SearchKey.InternalDate d:
                    var day = SearchDates.StartOf(d.Date, TimeZoneInfo.Local);
                    if (d.Compare >= 0) query = query with { InternalDateSince = Max(query.InternalDateSince, day) };
                    if (d.Compare == 0) query = query with { InternalDateBefore = Min(query.InternalDateBefore, SearchDates.StartOf(d.Date.AddDays(1), TimeZoneInfo.Local)) };
                    if (d.Compare < 0) query = query with { InternalDateBefore = Min(query.InternalDateBefore, day) };
                    break;
                default: rest.Add(k); break;
            }
        }
        if (keywords.Count > 0) query = query with { Keywords = keywords };
        if (notKeywords.Count > 0) query = query with { NotKeywords = notKeywords };
        var candidates = (await s.View.SearchAsync(query, ct)).Where(u => s.SequenceOf(u) > 0).ToList();
        if (rest.Count == 0 || candidates.Count == 0) return candidates;
        // A header text every match must hold (SEARCH HEADER/FROM/SUBJECT… at the top level): the store first drops the
        // messages whose cached header certainly lacks it, so only the few left are read and parsed.
        if (candidates.Count > 1 && RequiredHeaderText(rest) is { } text)
        {
            // A bounded batch per call: the store holds the batch's header blocks at once.
            var kept = new List<uint>();
            for (var i = 0; i < candidates.Count; i += HeaderFilterBatch)
            {
                var batch = Compact(candidates.Skip(i).Take(HeaderFilterBatch));
                kept.AddRange((await s.View.FindInHeadersAsync(batch, text, ct)).Where(u => s.SequenceOf(u) > 0));
            }
            candidates = kept;
            if (candidates.Count == 0) return candidates;
        }

        var residual = rest.Count == 1 ? rest[0] : new SearchKey.And(rest);
        // Keys that look only at the header, the UID or the sequence number need no summary of each message: a header
        // search over a mailbox is then the candidates' UIDs and their cached header blocks.
        var summaries = NeedsSummary(residual) ? await s.View.FetchAsync(Compact(candidates), null, ct) : null;
        var uids = summaries is null ? candidates : summaries.Select(m => m.Uid).ToList();
        var result = new List<uint>();
        // Keys that read the message get what they need a batch at a time, not one store call each: BODY and TEXT the
        // bodies; HEADER, FROM…, SENTDATE only the header blocks, which the store answers from its header cache.
        var needsBody = uids.Count > 1 && Uses<SearchKey.Body>(residual);
        var needsHeader = Uses<SearchKey.Header>(residual) || Uses<SearchKey.SentDate>(residual);
        Dictionary<uint, MessageBody>? bodies = null;
        Dictionary<uint, ReadOnlyMemory<byte>>? headers = null;
        var buffer = new MessageReadBuffer();
        for (var i = 0; i < uids.Count; i++)
        {
            if (needsBody && i % BodyBatch == 0) bodies = await BodiesAsync(s.View, uids, i, ct);
            if (needsHeader && i % BodyBatch == 0) headers = await HeaderBlocksAsync(s.View, uids, i, ct);
            var context = new SearchContext(s, uids[i], summaries?[i], bodies, headers, buffer);
            if (await MatchAsync(residual, context, ct)) result.Add(uids[i]);
        }
        return result;
    }

    /// <summary>Messages per <see cref="IMailboxView.FindInHeadersAsync"/> call (10,000 header blocks ≈ 3 MB).</summary>
    private const int HeaderFilterBatch = 10_000;

    /// <summary>The text of a header key among the AND-ed <paramref name="keys"/> (non-empty ASCII: what the store's header filter takes); null when none.</summary>
    private static string? RequiredHeaderText(List<SearchKey> keys)
    {
        foreach (var k in keys)
        {
            if (k is SearchKey.Header { Value.Length: > 0 } h && System.Text.Ascii.IsValid(h.Value)) return h.Value;
        }
        return null;
    }

    /// <summary>Whether <paramref name="key"/> reads a message's summary (flags, keywords, size, dates, modseq); header, UID and sequence keys do not.</summary>
    private static bool NeedsSummary(SearchKey key) => key switch
    {
        SearchKey.All or SearchKey.Header or SearchKey.SentDate or SearchKey.Uids or SearchKey.Sequence or SearchKey.Recent => false,
        SearchKey.Not n => NeedsSummary(n.Key),
        SearchKey.Or o => NeedsSummary(o.Left) || NeedsSummary(o.Right),
        SearchKey.And a => a.Keys.Any(NeedsSummary),
        _ => true,
    };

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static DateTimeOffset Min(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    /// <summary>One message under evaluation; its header and parsed body are loaded at most once.</summary>
    /// <param name="bodies">The candidates' bodies read in one batch (a UID missing: expunged meanwhile); null: ask the store per message.</param>
    /// <param name="headers">The candidates' header blocks read in one batch (a UID missing: the parse reads the message); null: none read.</param>
    /// <param name="buffer">Reused by every message of the search for the raw looks before a parse.</param>
    /// <param name="summary">The message's summary, when a key of the search needs it (<see cref="NeedsSummary"/>).</param>
    private sealed class SearchContext(SelectedMailbox selected, uint uid, MessageSummary? summary, Dictionary<uint, MessageBody>? bodies,
        Dictionary<uint, ReadOnlyMemory<byte>>? headers, MessageReadBuffer buffer)
    {
        private HeaderList? _headers;
        private MimeMessage? _message;
        private byte[]? _raw;

        public uint Uid => uid;

        public MessageSummary Summary => summary ?? throw new InvalidOperationException("SEARCH evaluated a summary key without the summaries");

        public int Sequence => selected.SequenceOf(uid);

        public uint MaxUid => selected.MaxUid;

        public bool IsRecent => selected.IsRecent(uid);

        /// <summary>A UID set, or "$" (RFC 5182) as the saved UIDs.</summary>
        public UidSet Resolve(SequenceSet set) => selected.Resolve(set, uid: true);

        public uint Count => (uint)selected.Uids.Count;

        private async Task<MessageBody?> OpenAsync(CancellationToken ct) =>
            bodies is null ? await selected.View.OpenMessageAsync(uid, ct) : bodies.GetValueOrDefault(uid);

        public async Task<HeaderList> HeadersAsync(CancellationToken ct)
        {
            if (_headers is not null) return _headers;
            if (headers is not null && headers.TryGetValue(uid, out var block))
            {
                // The block ends where the empty line was: the parser stops at its end as it would at that line.
                using var memory = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(block, out var segment)
                    ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                    : new MemoryStream(block.ToArray(), writable: false);
                return _headers = await HeaderList.LoadAsync(ParserOptions.Default, memory, ct);
            }
            // The parser stops at the end of the header: no structure lookup (a query and a JSON parse) per message.
            var body = await OpenAsync(ct);
            if (body is null) return _headers = new HeaderList();
            await using var stream = body.OpenRead();
            _headers = await HeaderList.LoadAsync(ParserOptions.Default, stream, ct);
            return _headers;
        }

        /// <summary>
        /// <see cref="RawTextFilter.HeaderMayContain"/> over the header block the store gave (copied into the shared
        /// buffer): most messages of a header search are ruled out without building a header list.
        /// </summary>
        public bool HeaderMayContain(string needle)
        {
            if (_headers is not null || _message is not null) return true;
            // No block (expunged meanwhile, or a header too long for the store to give): the parse path decides.
            if (headers is null || !headers.TryGetValue(uid, out var cached)) return true;
            var header = buffer.Copy(cached.Span);
            return RawTextFilter.HeaderMayContain(System.Runtime.InteropServices.MemoryMarshal.AsMemory(header).Span, needle);
        }

        public async Task<MimeMessage?> MessageAsync(CancellationToken ct)
        {
            if (_message is not null) return _message;
            if (_raw is not null)
            {
                using var memory = new MemoryStream(_raw, writable: false);
                return _message = await MimeMessage.LoadAsync(memory, ct);
            }
            var body = await OpenAsync(ct);
            if (body is null) return null;
            await using var stream = body.OpenRead();
            _message = await MimeMessage.LoadAsync(stream, ct);
            return _message;
        }

        /// <summary>
        /// <see cref="RawTextFilter"/> over the message's bytes (read once, kept for the parse if one follows); messages
        /// above 1 MiB are not read whole and always "may contain".
        /// </summary>
        public async Task<bool> BodyMayContainAsync(string needle, CancellationToken ct)
        {
            if (_message is not null || Summary.Size > 1024 * 1024) return true;
            if (_raw is null)
            {
                var body = await OpenAsync(ct);
                if (body is null) return true; // expunged meanwhile: the parse path says no match
                await using var stream = body.OpenRead();
                var raw = await buffer.ReadAllAsync(stream, Summary.Size, ct);
                if (!RawTextFilter.MayContain(raw.Span, needle)) return false;
                _raw = raw.ToArray(); // kept for the parse that follows
                return true;
            }
            return RawTextFilter.MayContain(_raw, needle);
        }
    }

    private static async ValueTask<bool> MatchAsync(SearchKey key, SearchContext c, CancellationToken ct)
    {
        switch (key)
        {
            case SearchKey.All: return true;
            case SearchKey.Flag f: return c.Summary.Flags.HasFlag(f.Value) == f.Set;
            case SearchKey.Keyword k: return c.Summary.Keywords.Contains(k.Value, StringComparer.OrdinalIgnoreCase) == k.Set;
            case SearchKey.Recent r: return c.IsRecent == r.Set;
            case SearchKey.Size z: return z.Larger ? c.Summary.Size > z.Value : c.Summary.Size < z.Value;
            case SearchKey.ModSeq q: return c.Summary.ModSeq >= q.Value;
            case SearchKey.Uids u: return c.Resolve(u.Set).Contains(c.Uid);
            case SearchKey.Sequence sq:
                if (c.Count == 0) return false;
                if (sq.Set.IsSaved) return c.Resolve(sq.Set).Contains(c.Uid);
                return new UidSet(sq.Set.Resolve(c.Count)).Contains((uint)c.Sequence);
            case SearchKey.InternalDate d: return Compare(SearchDates.DateIn(c.Summary.InternalDate, TimeZoneInfo.Local), d.Date, d.Compare);
            case SearchKey.SentDate d:
                var headers = await c.HeadersAsync(ct);
                var dateText = headers[HeaderId.Date];
                if (dateText is null || !MimeKit.Utils.DateUtils.TryParse(dateText, out var sent)) return false;
                return Compare(SearchDates.SentDate(sent), d.Date, d.Compare);
            case SearchKey.Header h:
                if (!c.HeaderMayContain(h.Value)) return false;
                var list = await c.HeadersAsync(ct);
                foreach (var header in list)
                {
                    if (!header.Field.Equals(h.Field, StringComparison.OrdinalIgnoreCase)) continue;
                    if (h.Value.Length == 0 || header.Value.Contains(h.Value, StringComparison.OrdinalIgnoreCase)) return true;
                }
                return false;
            case SearchKey.Body b:
                if (!b.WholeText && !await c.BodyMayContainAsync(b.Value, ct)) return false;
                var message = await c.MessageAsync(ct);
                if (message is null) return false;
                if (b.WholeText && message.Headers.Any(x => x.Value.Contains(b.Value, StringComparison.OrdinalIgnoreCase))) return true;
                return message.BodyParts.OfType<TextPart>().Any(t => (t.Text ?? "").Contains(b.Value, StringComparison.OrdinalIgnoreCase));
            case SearchKey.Not n: return !await MatchAsync(n.Key, c, ct);
            case SearchKey.Or o: return await MatchAsync(o.Left, c, ct) || await MatchAsync(o.Right, c, ct);
            case SearchKey.And a:
                foreach (var k in a.Keys) if (!await MatchAsync(k, c, ct)) return false;
                return true;
            default: return false;
        }
    }

    private static bool Compare(DateOnly value, DateOnly date, int compare) => compare switch
    {
        < 0 => value < date,
        0 => value == date,
        _ => value >= date,
    };
}
