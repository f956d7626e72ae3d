using System.Composition;

namespace Kernel.Abstractions;

/// <summary>
/// Exports an <see cref="IModule"/> with its metadata: <c>[Module("Finger", "1.0.0")]</c>.
/// The SDK version defaults to the SDK the plugin was compiled against (a const, so it is baked into the plugin).
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
