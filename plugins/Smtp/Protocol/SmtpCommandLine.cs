namespace Smtp.Protocol;

/// <summary>A command line split into its verb (upper-cased) and the rest (RFC 5321 §4.1.1: verb, one space, arguments).</summary>
internal readonly record struct SmtpCommandLine(string Verb, string Argument)
{
    public static SmtpCommandLine Parse(string line)
    {
        var space = line.IndexOf(' ');
        var verb = space < 0 ? line : line[..space];
        var argument = space < 0 ? "" : line[(space + 1)..].Trim(' ');
        // MAIL FROM: / RCPT TO: keep their "FROM:" / "TO:" in the argument; the verb is the first word only.
        return new SmtpCommandLine(verb.ToUpperInvariant(), argument);
    }
}
