using System.Buffers;
using System.Text;
using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>SELECT/EXAMINE (with CONDSTORE/QRESYNC), change reporting, IDLE, STORE, COPY/MOVE, EXPUNGE, CLOSE/UNSELECT.</summary>
internal sealed partial class ImapSession
{
    private SelectedMailbox Selected => _selected ?? throw new ImapParseException("No mailbox selected");

    private async Task SelectAsync(string tag, CommandParser p, bool readOnly, CancellationToken ct)
    {
        p.Space();
        var name = p.Mailbox();
        (uint UidValidity, ulong ModSeq, SequenceSet? Known, SequenceSet? MatchSeqs, SequenceSet? MatchUids)? qresync = null;
        if (p.TryChar(' '))
        {
            p.Open();
            var option = p.Atom().ToUpperInvariant();
            if (option == "CONDSTORE")
            {
                _condstore = true;
            }
            else if (option == "QRESYNC")
            {
                if (!_qresync) throw new ImapParseException("QRESYNC is not enabled");
                p.Space();
                p.Open();
                var validity = p.Number();
                p.Space();
                var modseq = p.Number64();
                SequenceSet? known = null, matchSeqs = null, matchUids = null;
                if (p.TryChar(' '))
                {
                    // known-uids, or directly the sequence match data when known-uids is left out (RFC 7162 §3.2.5).
                    if (p.Peek() != '(') known = p.SequenceSet();
                    if (known is null || p.TryChar(' '))
                    {
                        p.Open();
                        matchSeqs = p.SequenceSet();
                        p.Space();
                        matchUids = p.SequenceSet();
                        p.Close();
                    }
                }
                p.Close();
                qresync = (validity, modseq, known, matchSeqs, matchUids);
            }
            else
            {
                throw new ImapParseException("Unknown SELECT parameter");
            }
            p.Close();
        }
        p.End();

        if (_selected is not null)
        {
            await _selected.DisposeAsync();
            _selected = null;
            _state = SessionState.Authenticated;
            // RFC 7162 §3.2.11: the end of the previous selection.
            if (_qresync) _out.Raw("* OK [CLOSED] Previous mailbox closed\r\n");
        }

        var view = await services.Mailboxes.OpenAsync(Me, name, ct);
        SelectedMailbox selected;
        MailboxStatus status;
        try
        {
            status = await view.GetStatusAsync(ct);
            // only the UIDs (the sequence map), not every message's summary
            var all = await view.SearchAsync(new MessageQuery(), ct);
            selected = new SelectedMailbox(view, readOnly || !CanChange(view.Rights), all, status.HighestModSeq) { ReadOnlyByCommand = readOnly };
        }
        catch
        {
            await view.DisposeAsync();
            throw;
        }
        _selected = selected;
        _state = SessionState.Selected;
        if (view.Owner != MyAccount)
            services.Logger.LogMailboxAccess(MyAccount.ToString(), view.Owner.ToString(), view.Name);

        var rights = view.Rights;
        _out.Raw("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
        foreach (var k in status.Keywords) _out.Sp().Raw(k);
        _out.Raw(")\r\n");
        _out.Raw("* OK [PERMANENTFLAGS (").Raw(selected.ReadOnly ? "" : PermanentFlags(rights)).Raw(")] Flags the session may change\r\n");
        // RFC 3501 §2.3.2: SELECT claims the messages no session has seen; EXAMINE only looks (it must not take \Recent away).
        var recentMark = await view.ClaimRecentAsync(selected.MaxUid, claim: !readOnly, ct);
        selected.AddRecent(recentMark, selected.MaxUid);
        _out.Raw("* ").Number(selected.Uids.Count).Raw(" EXISTS\r\n* ").Number(selected.RecentCount).Raw(" RECENT\r\n");
        if (status.FirstUnseenUid is { } unseen && selected.SequenceOf(unseen) is > 0 and var seq)
            _out.Raw("* OK [UNSEEN ").Number(seq).Raw("] First unseen\r\n");
        _out.Raw("* OK [UIDVALIDITY ").Number(view.UidValidity).Raw("] UIDs valid\r\n");
        _out.Raw("* OK [UIDNEXT ").Number(status.UidNext).Raw("] Predicted next UID\r\n");
        _out.Raw("* OK [HIGHESTMODSEQ ").Number(status.HighestModSeq).Raw("] Highest\r\n");

        if (qresync is { } q && q.UidValidity == view.UidValidity)
        {
            // RFC 7162 §3.2.5: what vanished and what changed since the client's modseq.
            var known = q.Known is null ? null : new UidSet(q.Known.Resolve(selected.MaxUid));
            var vanished = await view.GetVanishedAsync(q.ModSeq, known, ct);
            if (q.MatchSeqs is not null && QresyncMatch.LowestUnsure(q.MatchSeqs, q.MatchUids!, selected.Uids) is var unsure and > 1)
                vanished = vanished.Where(u => u >= unsure).ToList();
            if (vanished.Count > 0) _out.Raw("* VANISHED (EARLIER) ").Raw(SequenceSet.Format(vanished)).Crlf();
            foreach (var s in await view.FetchAsync(known ?? UidSet.All, q.ModSeq, ct))
            {
                var n = selected.SequenceOf(s.Uid);
                if (n == 0) continue;
                _out.Raw("* ").Number(n).Raw(" FETCH (UID ").Number(s.Uid).Sp();
                WriteFlags(s, selected);
                _out.Raw(" MODSEQ (").Number(s.ModSeq).Raw("))\r\n");
            }
        }
        _out.Raw(tag).Raw(selected.ReadOnly ? " OK [READ-ONLY] " : " OK [READ-WRITE] ").Raw(readOnly ? "EXAMINE" : "SELECT").Raw(" completed\r\n");
    }

    /// <summary>mailboxes.md §5.3: read-write with at least one of s, w, d.</summary>
    private static bool CanChange(MailboxRights rights) =>
        (rights & (MailboxRights.Seen | MailboxRights.Write | MailboxRights.Delete)) != 0;

    private static string PermanentFlags(MailboxRights rights)
    {
        var list = new List<string>(6);
        if (rights.HasFlag(MailboxRights.Write)) list.AddRange(["\\Answered", "\\Flagged", "\\Draft"]);
        if (rights.HasFlag(MailboxRights.Delete)) list.Add("\\Deleted");
        if (rights.HasFlag(MailboxRights.Seen)) list.Add("\\Seen");
        if (rights.HasFlag(MailboxRights.Write)) list.Add("\\*");
        return string.Join(' ', list);
    }

    /// <summary>
    /// <c>FLAGS (…)</c> of a message as this session reports them — the stored flags, keywords and the session's
    /// \Recent (RFC 3501 §2.3.2) — written straight into the output: FETCH 1:* FLAGS writes one per message.
    /// </summary>
    private void WriteFlags(MessageSummary m, SelectedMailbox selected)
    {
        _out.Raw("FLAGS ("u8);
        var first = true;
        if (selected.IsRecent(m.Uid)) Flag(@"\Recent"u8, ref first);
        var flags = m.Flags;
        if ((flags & MessageFlags.Seen) != 0) Flag(@"\Seen"u8, ref first);
        if ((flags & MessageFlags.Answered) != 0) Flag(@"\Answered"u8, ref first);
        if ((flags & MessageFlags.Flagged) != 0) Flag(@"\Flagged"u8, ref first);
        if ((flags & MessageFlags.Deleted) != 0) Flag(@"\Deleted"u8, ref first);
        if ((flags & MessageFlags.Draft) != 0) Flag(@"\Draft"u8, ref first);
        foreach (var k in m.Keywords)
        {
            if (!first) _out.Sp();
            first = false;
            _out.Raw(k);
        }
        _out.Raw(")"u8);
    }

    private void Flag(ReadOnlySpan<byte> flag, ref bool first)
    {
        if (!first) _out.Sp();
        first = false;
        _out.Raw(flag);
    }

    /// <summary>
    /// Reports what other sessions and processes changed: EXPUNGE (or VANISHED with QRESYNC) when allowed, new
    /// messages as EXISTS, flag changes as FETCH (RFC 3501 §7.4.1, §5.2; RFC 7162 §3.2.10). Losing the read right
    /// ends the selection (mailboxes.md §5.3).
    /// </summary>
    private async Task SyncAsync(bool allowExpunge, CancellationToken ct)
    {
        var s = _selected;
        if (s is null || (!s.Dirty && !(allowExpunge && s.ExpungePending))) return;
        s.TakeChange();
        if (!s.View.Rights.HasFlag(MailboxRights.Read))
        {
            await s.DisposeAsync();
            _selected = null;
            _state = SessionState.Authenticated;
            _out.Raw("* BYE [NOPERM] Access to the selected mailbox was revoked\r\n");
            _state = SessionState.Logout;
            return;
        }
        MailboxStatus status;
        try
        {
            status = await s.View.GetStatusAsync(ct);
        }
        catch (MailboxException)
        {
            // deleted under us: nothing more can be reported; the next command gets the store's NO.
            return;
        }
        if (allowExpunge)
        {
            var vanished = await s.View.GetVanishedAsync(s.ExpungeModSeq, null, ct);
            ReportExpunged(vanished);
            s.ExpungeModSeq = status.HighestModSeq;
            s.ExpungePending = false;
        }
        else
        {
            s.ExpungePending = true;
        }
        var changed = await s.View.FetchAsync(UidSet.All, s.FlagModSeq, ct);
        var before = s.Uids.Count;
        var newOnes = new List<uint>();
        foreach (var m in changed)
        {
            if (m.Uid > s.MaxUid && !newOnes.Contains(m.Uid)) { newOnes.Add(m.Uid); continue; }
            var n = s.SequenceOf(m.Uid);
            if (n == 0) continue;
            _out.Raw("* ").Number(n).Raw(" FETCH (");
            WriteFlags(m, s);
            if (_condstore) _out.Raw(" UID ").Number(m.Uid).Raw(" MODSEQ (").Number(m.ModSeq).Raw(")");
            _out.Raw(")\r\n");
        }
        var recentBefore = s.RecentCount;
        if (newOnes.Count > 0)
        {
            newOnes.Sort();
            var previousMax = s.MaxUid;
            s.Uids.AddRange(newOnes.Where(u => u > s.MaxUid));
            // New messages: a SELECT session claims the ones no other session was shown yet (RFC 3501 §2.3.2).
            var mark = await s.View.ClaimRecentAsync(s.MaxUid, claim: !s.ReadOnlyByCommand, ct);
            s.AddRecent(Math.Max(mark, previousMax), s.MaxUid);
        }
        if (s.Uids.Count != before || newOnes.Count > 0)
        {
            _out.Raw("* ").Number(s.Uids.Count).Raw(" EXISTS\r\n");
            if (s.RecentCount != recentBefore || newOnes.Count > 0) _out.Raw("* ").Number(s.RecentCount).Raw(" RECENT\r\n");
        }
        s.FlagModSeq = status.HighestModSeq;
    }

    /// <summary>Removes expunged UIDs from the sequence map and says so: one EXPUNGE each, or one VANISHED with QRESYNC.</summary>
    private void ReportExpunged(IReadOnlyList<uint> uids)
    {
        var s = Selected;
        var gone = new List<uint>();
        foreach (var uid in uids)
        {
            var n = s.SequenceOf(uid);
            if (n == 0) continue;
            s.Uids.RemoveAt(n - 1);
            gone.Add(uid);
            if (!_qresync) _out.Raw("* ").Number(n).Raw(" EXPUNGE\r\n");
        }
        if (_qresync && gone.Count > 0) _out.Raw("* VANISHED ").Raw(SequenceSet.Format(gone)).Crlf();
    }

    /// <summary>RFC 2177: report changes as they happen until the client sends DONE.</summary>
    private async Task<bool> IdleAsync(string tag, CancellationToken ct)
    {
        _out.Raw("+ idling\r\n");
        await _out.FlushAsync(ct);
        var input = connection.Input;
        Task<System.IO.Pipelines.ReadResult>? read = null;
        while (true)
        {
            if (_selected is { } s0)
            {
                await SyncAsync(allowExpunge: true, ct);
                await _out.FlushAsync(ct);
                if (_state == SessionState.Logout) return false;
            }
            read ??= input.ReadAsync(ct).AsTask();
            var change = _selected?.NextChange ?? Task.Delay(Timeout.Infinite, ct);
            await Task.WhenAny(read, change);
            if (!read.IsCompleted) continue;
            var result = await read;
            read = null;
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var line = Encoding.ASCII.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                input.AdvanceTo(buffer.GetPosition(1, end));
                await SyncAsync(allowExpunge: true, ct);
                if (line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
                {
                    _out.Raw(tag).Raw(" OK IDLE terminated\r\n");
                }
                else
                {
                    _out.Raw(tag).Raw(" BAD Expected DONE\r\n");
                }
                return true;
            }
            if (result.IsCompleted || result.IsCanceled || buffer.Length > 64)
            {
                input.AdvanceTo(buffer.End);
                return false;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async Task StoreAsync(string tag, CommandParser p, bool uid, CancellationToken ct)
    {
        var s = Selected;
        p.Space();
        var set = p.SequenceSetOrSaved();
        p.Space();
        ulong? unchangedSince = null;
        if (p.TryOpen())
        {
            if (!p.Atom().Equals("UNCHANGEDSINCE", StringComparison.OrdinalIgnoreCase)) throw new ImapParseException("Unknown STORE modifier");
            p.Space();
            unchangedSince = p.Number64();
            p.Close();
            p.Space();
            _condstore = true;
        }
        var item = p.Atom().ToUpperInvariant();
        var mode = FlagChangeMode.Replace;
        if (item.StartsWith('+')) { mode = FlagChangeMode.Add; item = item[1..]; }
        else if (item.StartsWith('-')) { mode = FlagChangeMode.Remove; item = item[1..]; }
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        if (silent) item = item[..^7];
        if (item != "FLAGS") throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS");
        p.Space();
        List<string> flags;
        if (p.Peek() == '(') flags = p.FlagList();
        else
        {
            flags = [p.Flag()];
            while (p.TryChar(' ')) flags.Add(p.Flag());
        }
        p.End();
        var (systemFlags, keywords) = ParseFlags(flags);
        var uids = s.Resolve(set, uid);
        if (s.ReadOnly)
        {
            _out.Raw(tag).Raw(" NO [READ-ONLY] The mailbox is read-only\r\n");
            return;
        }
        var result = await s.View.StoreFlagsAsync(uids, new FlagChange(mode, systemFlags, keywords), unchangedSince, ct);
        foreach (var m in result.Updated)
        {
            var n = s.SequenceOf(m.Uid);
            if (n == 0) continue;
            // RFC 7162 §3.1.3: with UNCHANGEDSINCE the new MODSEQ is reported even for .SILENT.
            if (silent && unchangedSince is null) continue;
            _out.Raw("* ").Number(n).Raw(" FETCH (");
            if (!silent) WriteFlags(m, s);
            if (uid) _out.Raw(silent ? "" : " ").Raw("UID ").Number(m.Uid);
            if (_condstore) _out.Raw(silent && !uid ? "" : " ").Raw("MODSEQ (").Number(m.ModSeq).Raw(")");
            _out.Raw(")\r\n");
        }
        await SyncAsync(allowExpunge: uid, ct);
        if (result.Modified.Count > 0)
        {
            var modified = uid ? result.Modified : result.Modified.Select(u => (uint)s.SequenceOf(u)).Where(n => n > 0).ToList();
            _out.Raw(tag).Raw(" OK [MODIFIED ").Raw(SequenceSet.Format(modified)).Raw("] Conditional STORE failed for some messages\r\n");
            return;
        }
        _out.Raw(tag).Raw(" OK STORE completed\r\n");
    }

    internal static (MessageFlags Flags, List<string> Keywords) ParseFlags(IEnumerable<string> flags)
    {
        var system = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var f in flags)
        {
            if (!f.StartsWith('\\'))
            {
                if (!keywords.Contains(f, StringComparer.OrdinalIgnoreCase)) keywords.Add(f);
                continue;
            }
            system |= f.ToUpperInvariant() switch
            {
                "\\SEEN" => MessageFlags.Seen,
                "\\ANSWERED" => MessageFlags.Answered,
                "\\FLAGGED" => MessageFlags.Flagged,
                "\\DELETED" => MessageFlags.Deleted,
                "\\DRAFT" => MessageFlags.Draft,
                "\\RECENT" => MessageFlags.None, // session flag, cannot be stored (RFC 3501 §2.3.2)
                _ => throw new ImapParseException("Unknown system flag " + f),
            };
        }
        return (system, keywords);
    }

    private async Task CopyAsync(string tag, CommandParser p, bool uid, bool move, CancellationToken ct)
    {
        var s = Selected;
        p.Space();
        var set = p.SequenceSetOrSaved();
        p.Space();
        var target = p.Mailbox();
        p.End();
        var uids = s.Resolve(set, uid);
        var result = await s.View.CopyAsync(uids, target, move, ct);
        var code = result.SourceUids.Count == 0
            ? ""
            : $"[COPYUID {result.UidValidity} {SequenceSet.Format(result.SourceUids)} {SequenceSet.Format(result.TargetUids)}] ";
        if (move)
        {
            // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
            if (code.Length > 0) _out.Raw("* OK ").Raw(code).Raw("Moved\r\n");
            ReportExpunged(result.SourceUids.OrderBy(u => u).ToList());
            await SyncAsync(allowExpunge: true, ct);
            _out.Raw(tag).Raw(" OK MOVE completed\r\n");
            return;
        }
        await SyncAsync(allowExpunge: uid, ct);
        _out.Raw(tag).Raw(" OK ").Raw(code).Raw("COPY completed\r\n");
    }

    private async Task ExpungeAsync(string tag, CommandParser p, bool uid, CancellationToken ct)
    {
        var s = Selected;
        UidSet? only = null;
        if (uid)
        {
            p.Space();
            only = s.Resolve(p.SequenceSetOrSaved(), uid: true);
        }
        p.End();
        if (s.ReadOnly)
        {
            _out.Raw(tag).Raw(" NO [READ-ONLY] The mailbox is read-only\r\n");
            return;
        }
        var gone = await s.View.ExpungeAsync(only, ct);
        ReportExpunged(gone);
        await SyncAsync(allowExpunge: true, ct);
        _out.Raw(tag).Raw(" OK EXPUNGE completed\r\n");
    }

    /// <summary>CLOSE expunges silently when the session may (mailboxes.md §5.3: only with d); UNSELECT never does.</summary>
    private async Task CloseAsync(bool expunge, CancellationToken ct)
    {
        var s = Selected;
        if (expunge && !s.ReadOnly && s.View.Rights.HasFlag(MailboxRights.Delete))
        {
            try
            {
                await s.View.ExpungeAsync(null, ct);
            }
            catch (MailboxException)
            {
                // CLOSE still closes (RFC 3501 §6.4.2)
            }
        }
        await s.DisposeAsync();
        _selected = null;
        _state = SessionState.Authenticated;
    }
}
