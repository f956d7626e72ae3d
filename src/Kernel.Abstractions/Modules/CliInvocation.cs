namespace Kernel.Abstractions;

/// <summary>What a plugin command receives: parsed values, the kernel services, and the console streams.</summary>
public sealed record CliInvocation(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Arguments,
    IReadOnlyDictionary<string, string?> Options,
    IReadOnlySet<string> Flags,
    IServiceProvider Services,
    TextReader In,
    TextWriter Out,
    TextWriter Error)
{
    public string? Argument(string name) =>
        Arguments.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    public string? Option(string name) => Options.TryGetValue(name, out var v) ? v : null;

    public bool Flag(string name) => Flags.Contains(name);

    /// <summary>A kernel service (<see cref="IAccountStore"/>, <see cref="IConfigurationStore"/>…), or an error if absent.</summary>
    public T Service<T>() where T : notnull =>
        (T)(Services.GetService(typeof(T)) ?? throw new InvalidOperationException($"service {typeof(T).Name} is not available"));
}
