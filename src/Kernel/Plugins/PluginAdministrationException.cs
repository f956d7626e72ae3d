namespace Kernel.Plugins;

/// <summary>A <c>kernel plugins …</c> command that cannot be done; the message is the one line printed on stderr.</summary>
public sealed class PluginAdministrationException(string message) : Exception(message);
