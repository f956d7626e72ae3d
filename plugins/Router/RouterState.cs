using System.Composition;

namespace Router;

/// <summary>
/// The one current <see cref="RouterSnapshot"/> of this plugin, shared by the module (which loads and swaps it) and
/// the <see cref="TableRouter"/> (which reads it once per request, so no request sees half a table).
/// </summary>
[Export]
[Shared]
public sealed class RouterState
{
    private RouterSnapshot _current = RouterSnapshot.Empty;

    internal RouterSnapshot Current => Volatile.Read(ref _current);

    internal void Swap(RouterSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
