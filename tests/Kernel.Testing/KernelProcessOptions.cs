namespace Kernel.Testing;

/// <summary>
/// How to start a Kernel process. <see cref="Plugins"/>: folders to copy into a private plugins directory (a name
/// is looked up among the built plugins, test plugins and samples; a path is copied as is). <see cref="Settings"/>
/// become <c>--Key=value</c> arguments, e.g. <c>["Finger:Listen:0"] = "127.0.0.1:0"</c>; <see cref="Arguments"/> and
/// <see cref="Environment"/> are passed as they are.
/// <see cref="DataDirectory"/>: reuse a folder (restart on the same data); null = a fresh temp folder.
/// </summary>
public sealed record KernelProcessOptions
{
    public IReadOnlyList<string> Plugins { get; init; } = [];

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public string? DataDirectory { get; init; }

    /// <summary>Arguments after <c>serve</c> that are not settings, e.g. <c>["--plugins", "Healthy"]</c>.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables for the server process, e.g. <c>["KERNEL__PLUGINS__0"] = "Finger"</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
