namespace Kernel.Hosting;

/// <summary>The server cannot start (bad configuration, unusable data folder); the message is one line for the operator.</summary>
public sealed class KernelStartupException(string message) : Exception(message);
