namespace Kernel.Tests.Plugins;

/// <summary>A service provider holding just the kernel services a test gives it.</summary>
internal sealed class FakeServices : IServiceProvider
{
    private readonly Dictionary<Type, object> _services = [];

    public FakeServices Add<T>(T service) where T : class
    {
        _services[typeof(T)] = service;
        return this;
    }

    public object? GetService(Type serviceType) => _services.GetValueOrDefault(serviceType);
}
