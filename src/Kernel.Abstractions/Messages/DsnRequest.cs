namespace Kernel.Abstractions;

/// <summary>What a DSN reports: the original envelope and body, the reporting host and each recipient's status.</summary>
public sealed record DsnRequest(
    Envelope Original,
    MessageBody OriginalBody,
    string ReportingMta,
    DateTimeOffset ArrivalDate,
    IReadOnlyList<DsnRecipientStatus> Recipients);
