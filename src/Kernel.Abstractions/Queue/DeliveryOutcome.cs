namespace Kernel.Abstractions;

public enum DeliveryOutcome
{
    Delivered,
    TemporaryFailure,
    PermanentFailure,
}
