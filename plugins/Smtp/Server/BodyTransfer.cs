using Kernel.Abstractions;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>
/// One message body on its way into the queue's streamed submission: counts the <c>Received:</c> fields and the size
/// as the bytes pass, stops storing past the size limit (the client's data is still read to its end), and remembers
/// the first reason to refuse it. Disposing without a commit removes everything written (nothing queued).
/// </summary>
internal sealed class BodyTransfer(IMessageSubmission submission, long maxSize, bool binary) : IAsyncDisposable
{
    private readonly TraceFieldCounter _trace = new();
    private readonly BareLineEndingScanner _bareLineEndings = new();
    private long _bodyBytes;

    public SmtpReply? Refusal { get; private set; }

    public int TraceFields => _trace.Count;

    public void Refuse(SmtpReply reply) => Refusal ??= reply;

    public ValueTask WriteTraceAsync(ReadOnlyMemory<byte> field) => submission.WriteAsync(field);

    /// <summary>Decoded DATA bytes (dots already removed).</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        _trace.Observe(data.Span);
        _bodyBytes += data.Length;
        if (_bodyBytes > maxSize)
        {
            // RFC 1870 §6.3 / smtp.md §2.1: past the limit, read on but keep nothing; the answer is 552 5.3.4.
            Refuse(new SmtpReply(552, "5.3.4", $"Message size exceeds fixed maximum message size ({maxSize})"));
            return ValueTask.CompletedTask;
        }
        return Refusal is null ? submission.WriteAsync(data) : ValueTask.CompletedTask;
    }

    /// <summary>A BDAT chunk: octets as sent; 7BIT/8BITMIME bodies get the bare CR/LF check DATA has (smtp.md §6).</summary>
    public ValueTask WriteChunkAsync(ReadOnlyMemory<byte> data)
    {
        if (!binary) _bareLineEndings.Scan(data.Span);
        return WriteAsync(data);
    }

    public void FinishChunks()
    {
        if (binary) return;
        _bareLineEndings.Finish();
        if (_bareLineEndings.Found) Refuse(new SmtpReply(554, "5.5.2", "Bare CR or LF not allowed in message data"));
    }

    public Task<SubmitResult> CommitAsync(CancellationToken cancellationToken) => submission.CommitAsync(cancellationToken);

    public ValueTask DisposeAsync() => submission.DisposeAsync();
}
