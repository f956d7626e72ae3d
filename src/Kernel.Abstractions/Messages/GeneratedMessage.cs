namespace Kernel.Abstractions;

/// <summary>A message the server made, with the envelope it should be submitted under ("" = null reverse-path).</summary>
public sealed record GeneratedMessage(string Sender, IReadOnlyList<string> Recipients, MessageBody Body);
