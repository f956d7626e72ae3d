using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Smtp.Protocol;

/// <summary>What <see cref="CommandLineReader.ReadAsync"/> found.</summary>
internal enum CommandLineStatus
{
    Line,

    /// <summary>Longer than the limit: the whole line was read and dropped (RFC 5321 §4.5.3.1.4, <c>500 5.5.2</c>).</summary>
    TooLong,

    /// <summary>Ended by a bare LF, or held a bare CR (smtp.md §6: <c>500 5.5.2</c>).</summary>
    BareLineEnding,

    /// <summary>The client closed the connection (or the kernel did, on its idle timeout).</summary>
    Closed,
}

/// <summary>
/// Reads command lines (CRLF-terminated, UTF-8 for SMTPUTF8) from a pipe with bounded buffering: a longer line is
/// consumed and dropped, never accumulated. Before it waits for more input it calls <c>beforeWait</c>, so replies to
/// a pipelined group are written together and flushed only when the client has to wait for them (RFC 2920 §3.1).
/// </summary>
internal static class CommandLineReader
{
    public static async ValueTask<(CommandLineStatus Status, string Line)> ReadAsync(
        PipeReader input, int maxLength, Func<ValueTask> beforeWait, CancellationToken cancellationToken)
    {
        var discarding = false;
        while (true)
        {
            if (!input.TryRead(out var read))
            {
                await beforeWait();
                read = await input.ReadAsync(cancellationToken);
            }
            var buffer = read.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var result = Classify(buffer.Slice(0, end), discarding, maxLength);
                // The slice is only valid until the reader advances: classify and decode first.
                input.AdvanceTo(buffer.GetPosition(1, end));
                return result;
            }
            if (read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                return (CommandLineStatus.Closed, "");
            }
            if (buffer.Length > maxLength)
            {
                // Drop what is buffered and keep reading until the line ends: bounded memory for a 1 MB line.
                discarding = true;
                input.AdvanceTo(buffer.End);
                continue;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static (CommandLineStatus, string) Classify(ReadOnlySequence<byte> line, bool discarding, int maxLength)
    {
        if (discarding || line.Length + 1 > maxLength) return (CommandLineStatus.TooLong, "");
        if (line.Length == 0 || Last(line) != '\r') return (CommandLineStatus.BareLineEnding, "");
        line = line.Slice(0, line.Length - 1);
        if (line.PositionOf((byte)'\r') is not null) return (CommandLineStatus.BareLineEnding, "");
        return (CommandLineStatus.Line, Encoding.UTF8.GetString(line));
    }

    private static byte Last(ReadOnlySequence<byte> sequence) => sequence.Slice(sequence.Length - 1).FirstSpan[0];
}
