using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel submit --from SENDER RCPT… &lt; message</c>: local submission into the queue, as <c>sendmail</c> does for
/// other MTAs. Bare LF line ends become CRLF (RFC 5322 §2.1). Prints the queue id once the message is durable.
/// </summary>
public static class SubmitCommand
{
    /// <summary>The largest message the CLI accepts (50 MiB) unless <c>Kernel:MaxMessageSize</c> says otherwise.</summary>
    public const long DefaultMaxMessageSize = 50L * 1024 * 1024;

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
            var body = await ReadMessageAsync(c.In, DefaultMaxMessageSize, ct);
            if (body.Length == 0) throw new CliError("no message on stdin");
            var envelope = new Envelope(sender, rcpts.Select(r => new EnvelopeRecipient(r)).ToList(), RequestSource.InternalSource("CLI"));
            var result = await c.Service<IMessageQueue>().SubmitAsync(envelope, MessageBody.FromBytes(body), ct);
            if (!result.Accepted) throw new CliError($"rejected: {result.RejectText}");
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

    /// <summary>Reads the message, normalising bare LF (and bare CR) to CRLF, refusing more than <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]> ReadMessageAsync(TextReader input, long limit, CancellationToken cancellationToken)
    {
        var stdin = input == Console.In ? Console.OpenStandardInput() : null;
        if (stdin is null)
        {
            var text = await input.ReadToEndAsync(cancellationToken);
            return Normalise(System.Text.Encoding.UTF8.GetBytes(text), limit);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stdin.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) throw new CliError($"message larger than {limit} bytes");
        }
        return Normalise(buffer.ToArray(), limit);
    }

    private static byte[] Normalise(byte[] data, long limit)
    {
        var output = new MemoryStream(data.Length + data.Length / 40);
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == '\r')
            {
                output.WriteByte((byte)'\r');
                output.WriteByte((byte)'\n');
                if (i + 1 < data.Length && data[i + 1] == '\n') i++;
            }
            else if (b == '\n')
            {
                output.WriteByte((byte)'\r');
                output.WriteByte((byte)'\n');
            }
            else
            {
                output.WriteByte(b);
            }
        }
        if (output.Length > limit) throw new CliError($"message larger than {limit} bytes");
        return output.ToArray();
    }
}
