namespace Kernel.Abstractions;

public enum RecipientState
{
    /// <summary>Not yet routed by a kernel worker.</summary>
    New,

    /// <summary>Waiting in a remote target's queue (due now or after back-off).</summary>
    Waiting,

    /// <summary>Waiting in a held queue until ETRN/ATRN.</summary>
    Held,

    Delivered,

    /// <summary>Failed permanently; a DSN went to the sender.</summary>
    Failed,
}
