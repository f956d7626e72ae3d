namespace Kernel.Plugins;

/// <summary>A plugin refused or broken at load; <see cref="Exception.Message"/> is the one-line reason shown as <c>failed</c>.</summary>
internal sealed class PluginLoadException(string message, Exception? inner = null) : Exception(message, inner);
