namespace Kernel.Abstractions;

/// <summary>An object name in a domain (<c>alice@test.dom</c>). Both parts are stored lower-case: object names are case-insensitive.</summary>
public sealed record AccountAddress
{
    public AccountAddress(string name, string domain)
    {
        Name = name.ToLowerInvariant();
        Domain = domain.ToLowerInvariant();
    }

    public string Name { get; }

    public string Domain { get; }

    public override string ToString() => $"{Name}@{Domain}";

    /// <summary>Parses <c>name@domain</c>; a bare name gets <paramref name="defaultDomain"/> (the Main Domain) when given.</summary>
    public static bool TryParse(string text, string? defaultDomain, out AccountAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var at = text.LastIndexOf('@');
        string name, domain;
        if (at < 0)
        {
            if (defaultDomain is null) return false;
            (name, domain) = (text, defaultDomain);
        }
        else
        {
            (name, domain) = (text[..at], text[(at + 1)..]);
        }
        if (!ObjectName.IsValid(name) || !DomainName.IsValid(domain)) return false;
        address = new AccountAddress(name, domain);
        return true;
    }
}
