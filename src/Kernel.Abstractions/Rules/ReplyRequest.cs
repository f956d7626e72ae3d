namespace Kernel.Abstractions;

/// <summary>An auto-reply the kernel builds with <see cref="IMessageFactory"/> (RFC 3834 headers) and submits.</summary>
public sealed record ReplyRequest(string To, string From, string Subject, string Text, bool ReplyAll = false);
