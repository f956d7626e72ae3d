namespace Kernel.Abstractions;

/// <summary>The metadata view MEF fills from <see cref="ModuleAttribute"/>.</summary>
public sealed class ModuleMetadata
{
    public string Name { get; set; } = "";

    public string Version { get; set; } = "";

    public string SdkVersion { get; set; } = "";
}
