using System.Reflection;

namespace Kernel.Bench.Queue;

/// <summary>Stands in for services the benchmark never calls (account store, message factory): any call is a bench bug.</summary>
public class ThrowingProxy : DispatchProxy
{
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        throw new NotSupportedException($"{targetMethod?.DeclaringType?.Name}.{targetMethod?.Name} is not used by the benchmark");
}
