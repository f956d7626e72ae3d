using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Kernel.Abstractions;

namespace Kernel.Plugins;

/// <summary>
/// Checks a plugin folder before any of its code runs: the main assembly is a .NET assembly, it references the SDK,
/// the SDK major matches the host's (read from the assembly reference with System.Reflection.Metadata, nothing is
/// executed), and the folder does not carry its own SDK copy (MEF would then silently find zero exports).
/// </summary>
internal static class PluginAssemblyCheck
{
    public const string SdkAssemblyName = "Kernel.Abstractions";

    /// <summary>The SDK version the host runs (this process's Kernel.Abstractions).</summary>
    public static Version HostSdkVersion { get; } = typeof(IModule).Assembly.GetName().Version ?? new Version(SdkVersion.Current);

    /// <summary>Returns the SDK version the plugin was built against, or throws <see cref="PluginLoadException"/>.</summary>
    public static Version Check(string name, string folder)
    {
        var main = Path.Combine(folder, name + ".dll");
        if (!File.Exists(main)) throw new PluginLoadException($"{name}.dll is missing from {folder}");
        if (File.Exists(Path.Combine(folder, SdkAssemblyName + ".dll")))
            throw new PluginLoadException($"the folder carries its own {SdkAssemblyName}.dll; reference the SDK with Private=\"false\" ExcludeAssets=\"runtime\" (build/KernelPlugin.props) and remove the copy");
        byte[] image;
        try
        {
            image = File.ReadAllBytes(main);
        }
        catch (IOException e)
        {
            throw new PluginLoadException($"{name}.dll cannot be read: {e.Message}", e);
        }
        var sdk = ReadSdkReference(name, image);
        if (sdk.Major != HostSdkVersion.Major)
            throw new PluginLoadException($"built for SDK {Format(sdk)}, this host runs SDK {Format(HostSdkVersion)}: another major version is refused");
        return sdk;
    }

    /// <summary>The version of the SDK reference in an assembly image.</summary>
    public static Version ReadSdkReference(string name, byte[] image)
    {
        try
        {
            using var pe = new PEReader(new MemoryStream(image, writable: false));
            if (!pe.HasMetadata) throw new PluginLoadException($"{name}.dll is not a .NET assembly");
            var metadata = pe.GetMetadataReader();
            if (!metadata.IsAssembly) throw new PluginLoadException($"{name}.dll is not a .NET assembly");
            foreach (var handle in metadata.AssemblyReferences)
            {
                var reference = metadata.GetAssemblyReference(handle);
                if (metadata.StringComparer.Equals(reference.Name, SdkAssemblyName)) return reference.Version;
            }
        }
        catch (BadImageFormatException e)
        {
            throw new PluginLoadException($"{name}.dll is not a valid .NET assembly ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw new PluginLoadException($"{name}.dll is not a valid .NET assembly ({e.Message})", e);
        }
        throw new PluginLoadException($"{name}.dll does not reference {SdkAssemblyName}; a plugin is built against the SDK");
    }

    public static string Format(Version version) => $"{version.Major}.{Math.Max(version.Minor, 0)}.{Math.Max(version.Build, 0)}";
}
