using System.Reflection;

namespace Smtp.Tests.Session;

/// <summary>A fake of a wide kernel interface that answers only the calls a test names; any other call fails the test loudly.</summary>
public class InterfaceFake<T> : DispatchProxy where T : class
{
    private Func<string, object?[], object?> _handler = (name, _) => throw new NotSupportedException($"{typeof(T).Name}.{name} is not faked");

    public static T Create(Func<string, object?[], object?> handler)
    {
        var proxy = Create<T, InterfaceFake<T>>();
        ((InterfaceFake<T>)(object)proxy)._handler = handler;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _handler(targetMethod!.Name, args ?? []);
}
