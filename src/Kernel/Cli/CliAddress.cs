using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>Parses the names operators type: <c>alice@test.dom</c>, or a bare name in the Main Domain.</summary>
public static class CliAddress
{
    public static async Task<AccountAddress> ParseAsync(IAccountStore accounts, string text, CancellationToken cancellationToken)
    {
        var main = text.Contains('@') ? null : await accounts.GetMainDomainAsync(cancellationToken);
        if (!AccountAddress.TryParse(text, main, out var address))
            throw new CliError(text.Contains('@') || main is not null
                ? $"'{text}' is not a valid address (name@domain)"
                : $"'{text}' has no domain and there is no Main Domain yet");
        return address!;
    }

    public static string Domain(string text)
    {
        var domain = text.Trim().TrimEnd('.').ToLowerInvariant();
        if (!DomainName.IsValid(domain)) throw new CliError($"'{text}' is not a valid domain name");
        return domain;
    }
}
