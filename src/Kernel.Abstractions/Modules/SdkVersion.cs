namespace Kernel.Abstractions;

/// <summary>The SDK version. A plugin built against 1.x loads in any 1.y host; another major is refused.</summary>
public static class SdkVersion
{
    /// <summary>Baked into a plugin at compile time through <see cref="ModuleAttribute"/>'s default argument.</summary>
    public const string Current = "1.0.0";

    public const int Major = 1;
}
