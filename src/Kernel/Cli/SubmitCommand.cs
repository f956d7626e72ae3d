using System.Buffers;
using System.CommandLine;
using System.Text;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel submit --from SENDER RCPT… &lt; message</c>: local submission into the queue, as <c>sendmail</c> does for
/// other MTAs. Bare LF line ends become CRLF (RFC 5322 §2.1). The message streams from stdin into the queue's body
/// file (never whole in memory), so its size is bounded only by <c>Kernel:MaxMessageSize</c>. Prints the queue id
/// once the message is durable.
/// </summary>
public static class SubmitCommand
{
    private const int Chunk = 64 * 1024;

    public static Command Create(Func<CliContext> context)
    {
        var from = new Option<string>("--from") { Description = "the envelope sender ('' for the null reverse-path)", Required = true };
        var recipients = new Argument<string[]>("recipient") { Arity = ArgumentArity.OneOrMore, Description = "envelope recipients" };
        var command = new Command("submit", "submit a message read from stdin to the queue") { from, recipients };
        command.Run(context, async (p, c, ct) =>
        {
            var sender = p.GetValue(from)!.Trim().Trim('<', '>');
            var rcpts = p.GetValue(recipients)!.Select(r => r.Trim().Trim('<', '>')).ToList();
            if (sender.Length > 0 && !IsAddress(sender)) throw new CliError($"'{sender}' is not a valid sender address");
            foreach (var r in rcpts)
            {
                if (!IsAddress(r) && !ObjectName.IsValid(r)) throw new CliError($"'{r}' is not a valid recipient address");
            }
            var envelope = new Envelope
            {
                Sender = sender,
                Recipients = rcpts.Select(r => new EnvelopeRecipient { Address = r }).ToList(),
                Source = RequestSource.InternalSource("CLI"),
            };
            await using var submission = await c.Service<IMessageQueue>().BeginSubmitAsync(envelope, ct);
            await CopyMessageAsync(c.In, submission, ct);
            if (submission.Length == 0) throw new CliError("no message on stdin"); // disposing aborts: nothing queued
            var result = await submission.CommitAsync(ct);
            if (!result.Accepted)
            {
                var temporary = result.Status == SubmitStatus.RejectedTemporarily;
                throw new CliError($"{(temporary ? "not queued now" : "rejected")}: {result.Code} {result.Text}", temporary ? CommandAction.TemporaryFailure : 1);
            }
            await c.Out.WriteLineAsync(result.QueueId);
        });
        return command;
    }

    private static bool IsAddress(string text)
    {
        var at = text.LastIndexOf('@');
        return at > 0 && at < text.Length - 1 && text.Length <= 256 && !text.Any(char.IsControl) && !text.Contains(' ') && DomainName.IsValid(text[(at + 1)..].TrimEnd('.'))
            || at > 0 && text[(at + 1)..].StartsWith('[') && text.EndsWith(']');
    }

    /// <summary>Streams the message into the submission chunk by chunk, normalising bare LF (and bare CR) to CRLF.</summary>
    private static async Task CopyMessageAsync(TextReader input, IMessageSubmission submission, CancellationToken cancellationToken)
    {
        var normaliser = new LineEnds();
        var output = ArrayPool<byte>.Shared.Rent(2 * Chunk + 2);
        try
        {
            if (input == Console.In)
            {
                // The raw bytes, not decoded text: a message may hold any octets (8BITMIME, a wrong charset).
                await using var stdin = Console.OpenStandardInput();
                var chunk = ArrayPool<byte>.Shared.Rent(Chunk);
                try
                {
                    int read;
                    while ((read = await stdin.ReadAsync(chunk.AsMemory(0, Chunk), cancellationToken)) > 0)
                        await submission.WriteAsync(output.AsMemory(0, normaliser.Convert(chunk.AsSpan(0, read), output)), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }
            }
            else
            {
                // A redirected reader (tests, an embedding host) gives text: encode it as UTF-8 chunk by chunk.
                var chars = new char[Chunk / 4];
                var encoder = Encoding.UTF8.GetEncoder();
                var bytes = new byte[Encoding.UTF8.GetMaxByteCount(chars.Length)];
                int read;
                while ((read = await input.ReadAsync(chars.AsMemory(), cancellationToken)) > 0)
                {
                    var n = encoder.GetBytes(chars, 0, read, bytes, 0, flush: false);
                    await submission.WriteAsync(output.AsMemory(0, normaliser.Convert(bytes.AsSpan(0, n), output)), cancellationToken);
                }
            }
            await submission.WriteAsync(output.AsMemory(0, normaliser.Finish(output)), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>CRLF normalisation across chunk boundaries: a CR at the end of one chunk may be followed by the LF that starts the next.</summary>
    private sealed class LineEnds
    {
        private bool _pendingCr;

        /// <summary>Converts <paramref name="input"/> into <paramref name="output"/> (at least twice its length); returns the bytes written.</summary>
        public int Convert(ReadOnlySpan<byte> input, Span<byte> output)
        {
            var o = 0;
            foreach (var b in input)
            {
                if (_pendingCr)
                {
                    _pendingCr = false;
                    output[o++] = (byte)'\r';
                    output[o++] = (byte)'\n';
                    if (b == '\n') continue;
                }
                if (b == '\r') { _pendingCr = true; continue; }
                if (b == '\n') { output[o++] = (byte)'\r'; output[o++] = (byte)'\n'; continue; }
                output[o++] = b;
            }
            return o;
        }

        public int Finish(Span<byte> output)
        {
            if (!_pendingCr) return 0;
            _pendingCr = false;
            output[0] = (byte)'\r';
            output[1] = (byte)'\n';
            return 2;
        }
    }
}
