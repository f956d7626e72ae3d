namespace Kernel.Abstractions;

/// <summary>
/// The SDK version. A plugin built against 2.x loads in any 2.y host; another major is refused before any of its code
/// runs. The host reads the version a plugin was built against from the plugin assembly's reference to
/// <c>Kernel.Abstractions</c> (System.Reflection.Metadata), not from these constants or from <see cref="ModuleAttribute"/>.
/// 2.0 is the last breaking change: from here the SDK only grows, and the build checks every public member against
/// <c>PublicAPI.Shipped.txt</c>.
/// </summary>
public static class SdkVersion
{
    public const string Current = "2.0.0";

    public const int Major = 2;
}
