namespace Kernel.Abstractions;

public sealed record MessageSubmitted(string QueueId, string Sender, int RecipientCount) : KernelEvent;
