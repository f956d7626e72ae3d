using System.Composition;

namespace Kernel.Abstractions;

/// <summary>
/// Exports an <see cref="IModule"/> with its metadata: <c>[Module("Finger", "1.0.0")]</c>.
/// <see cref="SdkVersion"/> records (for display) the SDK the plugin was compiled against; the host decides from the assembly reference.
/// </summary>
[MetadataAttribute]
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ModuleAttribute : ExportAttribute
{
    public ModuleAttribute(string name, string version, string sdkVersion = Kernel.Abstractions.SdkVersion.Current)
        : base(typeof(IModule))
    {
        Name = name;
        Version = version;
        SdkVersion = sdkVersion;
    }

    public string Name { get; }

    public string Version { get; }

    public string SdkVersion { get; }
}
