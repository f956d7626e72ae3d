namespace Kernel.Plugins;

/// <summary>One row of <c>kernel plugins list</c>. <see cref="SdkVersion"/> is the SDK the plugin was built against.</summary>
public sealed record PluginStatus(string Name, PluginState State, string? Version, string? SdkVersion, string? Reason)
{
    /// <summary>The lower-case state word shown to operators (<c>active</c>, <c>failed</c>…).</summary>
    public string StateText => State.ToString().ToLowerInvariant();
}
