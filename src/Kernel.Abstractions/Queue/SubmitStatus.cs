namespace Kernel.Abstractions;

/// <summary>How a submission ended; a protocol maps it to its reply class (SMTP 250 / 5xx / 4xx) without catching exceptions.</summary>
public enum SubmitStatus
{
    /// <summary>Durable (fsynced and committed) under <see cref="SubmitResult.QueueId"/>.</summary>
    Accepted,

    /// <summary>Refused for good (a server-wide rule, the size limit); nothing was stored. SMTP answers 5xx.</summary>
    RejectedPermanently,

    /// <summary>Could not be stored now (storage, rules timeout, shutdown); nothing was stored. The client tries again later (SMTP 4xx).</summary>
    RejectedTemporarily,
}
