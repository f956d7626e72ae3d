using System.Runtime.CompilerServices;
using System.Text;
using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Storage;

namespace Kernel.Delivery;

/// <summary>
/// RFC 5321 §4.4: final delivery inserts <c>Return-Path: &lt;reverse-path&gt;</c> (<c>&lt;&gt;</c> for the null sender) at
/// the beginning of the message. The stored copy is streamed (the field, then the queue's body file, never the whole
/// message in memory) and written once per message, shared by its local recipients; with rule header edits it is the
/// first of that recipient's edited copy. A Return-Path the message brought along is left below ours, untouched.
/// </summary>
internal sealed class ReturnPath(IQueueBackend queue)
{
    private readonly ConditionalWeakTable<MessageWork, Task<StoredBody>> _bodies = [];

    /// <summary>The field for <paramref name="sender"/> (the queue's reverse-path, "" for the null sender).</summary>
    public static HeaderEdit Field(string sender) => new("Return-Path", $"<{sender}>");

    /// <summary>The message as stored in a mailbox, with <paramref name="ruleEdits"/> (a per-recipient copy) or without (shared).</summary>
    public async Task<StoredBody> BodyAsync(MessageWork work, IReadOnlyList<HeaderEdit> ruleEdits, CancellationToken cancellationToken)
    {
        if (ruleEdits.Count > 0) return await WriteEditedAsync(work, [Field(work.Message.Message.Sender), .. ruleEdits], cancellationToken);
        var shared = _bodies.GetValue(work, w => PrependAsync(w, CancellationToken.None));
        try
        {
            return await shared.WaitAsync(cancellationToken);
        }
        catch (Exception) when (shared.IsFaulted)
        {
            _bodies.Remove(work);   // the next recipient or pass tries again
            throw;
        }
    }

    private async Task<StoredBody> PrependAsync(MessageWork work, CancellationToken cancellationToken)
    {
        var field = Field(work.Message.Message.Sender);
        var line = new MemoryStream(Encoding.UTF8.GetBytes($"{field.Name}: {field.Value}\r\n"), writable: false);
        await using var content = new ConcatenatedStream(line, work.Body.OpenRead());
        return await queue.WriteBodyAsync(content, cancellationToken);
    }

    private async Task<StoredBody> WriteEditedAsync(MessageWork work, IReadOnlyList<HeaderEdit> edits, CancellationToken cancellationToken)
    {
        var header = await work.HeaderAsync(cancellationToken);
        await using var edited = header.OpenEdited(work.Body, edits);
        return await queue.WriteBodyAsync(edited, cancellationToken);
    }
}
