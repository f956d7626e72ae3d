namespace Kernel.Listeners;

/// <summary>A <c>Listen</c> entry that is not <c>address:port</c>, or that cannot be bound; the message names the configuration key.</summary>
public sealed class ListenerConfigurationException(string message, Exception? innerException = null) : Exception(message, innerException);
