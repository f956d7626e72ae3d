namespace Imap.Protocol;

/// <summary>The command does not follow the grammar: the session answers <c>tag BAD message</c>.</summary>
internal sealed class ImapParseException(string message) : Exception(message);
