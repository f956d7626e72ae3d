namespace Kernel.Queue;

/// <summary>
/// The submission could not be completed now (rule timeout or failure, storage failure); nothing was stored.
/// SMTP answers <c>451 4.3.0</c> and the client tries again later.
/// </summary>
public sealed class QueueTemporaryFailureException(string message, Exception? inner = null) : Exception(message, inner);
