namespace Kernel.Plugins;

/// <summary>A plugin's state as an operator sees it in <c>kernel plugins list</c>.</summary>
public enum PluginState
{
    /// <summary>Loaded and composed but not started (the CLI loads plugins only for their commands).</summary>
    Loaded,

    /// <summary>Started and running.</summary>
    Active,

    /// <summary>Present in the plugins folder but not selected by <c>Kernel:Plugins</c>.</summary>
    Disabled,

    /// <summary>Refused or broken; <see cref="PluginStatus.Reason"/> says why. The rest of the server runs.</summary>
    Failed,

    /// <summary>Stopped and its load context released (folder removed, <c>kernel plugins unload</c>, or shutdown).</summary>
    Unloaded,
}
