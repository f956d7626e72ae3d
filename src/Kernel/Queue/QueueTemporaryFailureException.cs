namespace Kernel.Queue;

/// <summary>
/// The submission could not be completed now (rule timeout or failure, storage failure); nothing was stored.
/// SMTP answers <c>451 4.3.0</c> and the client tries again later. It is an <see cref="IOException"/> because plugins
/// see only the SDK: they answer ArgumentException with a 5xx and any IOException with a 4xx.
/// </summary>
public sealed class QueueTemporaryFailureException(string message, Exception? inner = null) : IOException(message, inner);
