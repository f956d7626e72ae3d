using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>Finds a forwarder, group or mailing list an operator named, with one line when it is something else or nothing.</summary>
public static class DirectoryObjects
{
    public static async Task<DirectoryObject> RequireAsync(IAccountStore store, string text, DirectoryObjectKind kind, CancellationToken ct)
    {
        var address = await CliAddress.ParseAsync(store, text, ct);
        var found = await store.FindObjectAsync(address, ct);
        if (found is null) throw new CliError($"no {Describe(kind)} {address}");
        if (found.Kind != kind) throw new CliError($"{address} is {Article(found.Kind)} {Describe(found.Kind)}, not {Article(kind)} {Describe(kind)}");
        return found;
    }

    public static string Describe(DirectoryObjectKind kind) => kind switch
    {
        DirectoryObjectKind.Account => "account",
        DirectoryObjectKind.Alias => "alias",
        DirectoryObjectKind.Forwarder => "forwarder",
        DirectoryObjectKind.Group => "group",
        _ => "mailing list",
    };

    private static string Article(DirectoryObjectKind kind) => kind is DirectoryObjectKind.Account or DirectoryObjectKind.Alias ? "an" : "a";
}
