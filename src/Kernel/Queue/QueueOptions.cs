namespace Kernel.Queue;

/// <summary>
/// Queue and pipeline tuning. Defaults follow smtp.md §12: first attempt at once, retries after 10 min doubling up to
/// 60 min, give up after 5 days with a 5.4.7 DSN.
/// </summary>
public sealed record QueueOptions
{
    /// <summary>The host name DSNs report as Reporting-MTA (RFC 3464 §2.2.2).</summary>
    public string ServerName { get; init; } = Environment.MachineName;

    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromMinutes(60);

    public TimeSpan Expiry { get; init; } = TimeSpan.FromDays(5);

    /// <summary>After this long undelivered, one "delayed" DSN goes to recipients that asked for NOTIFY=DELAY.</summary>
    public TimeSpan DelayReport { get; init; } = TimeSpan.FromHours(4);

    /// <summary>How long a worker owns a message it is routing; a crashed worker's messages are taken over after it.</summary>
    public TimeSpan RoutingLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the scheduler holds a target queue per lease (renewed at each message; longer than <see cref="TransportTimeout"/>).</summary>
    public TimeSpan DeliveryLease { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The deadline for one rule evaluation (design.md: a timeout is a temporary failure).</summary>
    public TimeSpan RuleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The deadline for one router call while routing queued mail (a timeout is a temporary failure).</summary>
    public TimeSpan RouterTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A recipient whose delivery failed temporarily because of a plugin (router, rules or transport: exception, timeout —
    /// not a remote server's 4xx) this many times in a row is parked with its reason (<c>Kernel:Delivery:ParkAfterFailures</c>)
    /// instead of being retried until it expires; <c>kernel queue retry ID</c> resumes it.
    /// </summary>
    public int ParkAfterFailures { get; init; } = 20;

    /// <summary>
    /// A recipient whose plugin failures (as for <see cref="ParkAfterFailures"/>) have gone on this long is parked too,
    /// whatever their count (<c>Kernel:Delivery:ParkAfter</c>, seconds).
    /// </summary>
    public TimeSpan ParkAfter { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The deadline for one transport delivery call.</summary>
    public TimeSpan TransportTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait before a message whose routing failed temporarily (router, rules, mailbox store) is tried again.</summary>
    public TimeSpan RoutingRetry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The safety-net poll: new mail wakes the worker at once, this catches submissions from other processes.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Messages routed (and delivered locally) per batch.</summary>
    public int RoutingBatch { get; init; } = 256;

    /// <summary>Submissions committed per transaction at most (group commit).</summary>
    public int CommitBatch { get; init; } = 1024;

    /// <summary>
    /// Target queues delivered to in parallel (<c>Kernel:Delivery:ParallelQueues</c>); 20 as Postfix's
    /// default_destination_concurrency_limit, so a burst to many destinations is not drained eight at a time.
    /// </summary>
    public int ParallelQueues { get; init; } = 20;

    /// <summary>
    /// Messages of one leased target queue handed to its transport at once (<c>Kernel:Delivery:DeliveriesPerQueue</c>;
    /// a transport still caps its own connections per remote host, as the SMTP transport's <c>MaxConnectionsPerTarget</c>, default 4).
    /// </summary>
    public int DeliveriesPerQueue { get; init; } = 4;

    /// <summary>
    /// How long a drain whose target queue ran dry keeps its lease, waiting for routing to bring that queue more, before
    /// it ends (at once when another due queue waits for a slot).
    /// </summary>
    public TimeSpan DrainLinger { get; init; } = TimeSpan.FromMilliseconds(500);

    public int MaxRecipients { get; init; } = 1000;

    /// <summary>
    /// The largest message a submission may store (<c>Kernel:MaxMessageSize</c>, default 50 MiB); a larger one is
    /// refused with 5.3.4 (RFC 1870 §6.2) once it grows past it, and its bytes are not kept. The server's own mail (DSNs,
    /// rule copies) is not limited.
    /// </summary>
    public long MaxMessageSize { get; init; } = DefaultMaxMessageSize;

    public const long DefaultMaxMessageSize = 50L * 1024 * 1024;

    /// <summary>Header bytes read for rules and header edits (the rest of the body is streamed, never parsed).</summary>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;
}
