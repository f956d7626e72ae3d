using System.Buffers;

namespace Smtp.Protocol;

/// <summary>
/// The DATA body decoder (RFC 5321 §4.5.2), pure and incremental: feed it the bytes as they arrive, it writes the
/// message with the transparency dots removed and stops at the one end of data there is, CR LF <c>.</c> CR LF.
/// SMTP smuggling: a bare LF or bare CR never ends a line where a dot could end the data; it is passed through and
/// remembered in <see cref="BareLineEnding"/>, so the session refuses the message after the real end (smtp.md §6).
/// Lines longer than the text line limit (§4.5.3.1.6, 1000 octets with CRLF) set <see cref="LineTooLong"/>.
/// </summary>
internal sealed class DataDecoder(int maxLineLength = 1000)
{
    private enum State { LineStart, Text, Cr, Dot, DotCr, Done }

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private State _state = State.LineStart;
    private int _lineLength;

    /// <summary>The final <c>.</c> line has been read; nothing after it belongs to the message.</summary>
    public bool IsComplete => _state == State.Done;

    public bool BareLineEnding { get; private set; }

    public bool LineTooLong { get; private set; }

    /// <summary>Decodes from <paramref name="input"/> into <paramref name="output"/>; returns the bytes consumed (fewer than given only at the end of data).</summary>
    public int Decode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < input.Length && _state != State.Done)
        {
            var b = input[i];
            switch (_state)
            {
                case State.LineStart:
                    // RFC 5321 §4.5.2: a line starting with '.' lost its first dot; ".CRLF" alone ends the data.
                    if (b == '.')
                    {
                        _state = State.Dot;
                        i++;
                    }
                    else
                    {
                        _state = State.Text;
                    }
                    break;
                case State.Dot:
                    if (b == '\r')
                    {
                        _state = State.DotCr;
                        i++;
                    }
                    else
                    {
                        _state = State.Text;
                    }
                    break;
                case State.DotCr:
                    if (b == '\n')
                    {
                        _state = State.Done;
                        i++;
                    }
                    else
                    {
                        BareCr(output);
                    }
                    break;
                case State.Cr:
                    if (b == '\n')
                    {
                        output.Write(CrLf);
                        _state = State.LineStart;
                        _lineLength = 0;
                        i++;
                    }
                    else
                    {
                        BareCr(output);
                    }
                    break;
                default:
                    var rest = input[i..];
                    var stop = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    var run = stop < 0 ? rest : rest[..stop];
                    if (run.Length > 0)
                    {
                        output.Write(run);
                        _lineLength += run.Length;
                        if (_lineLength > maxLineLength - 2) LineTooLong = true;
                        i += run.Length;
                    }
                    if (stop < 0) break;
                    if (input[i] == '\r')
                    {
                        _state = State.Cr;
                    }
                    else
                    {
                        // A bare LF: kept as data, but the next byte is not at a line start (no "\n.\r\n" end).
                        BareLineEnding = true;
                        output.Write("\n"u8);
                        _lineLength = 0;
                    }
                    i++;
                    break;
            }
        }
        return i;
    }

    private void BareCr(IBufferWriter<byte> output)
    {
        BareLineEnding = true;
        output.Write("\r"u8);
        _lineLength++;
        _state = State.Text;
    }
}
