using Kernel.Abstractions;

namespace Smtp.Server;

/// <summary>An ETRN node (RFC 1985 §5): <c>domain</c>, <c>@domain</c> (with subdomains) or <c>#queue</c> (a queue name, taken literally).</summary>
internal readonly record struct QueueNode(string Name, bool WithSubdomains, bool IsQueueName)
{
    public static bool TryParse(string text, out QueueNode node)
    {
        node = default;
        if (text.Length < 2 && !(text.Length == 1 && char.IsAsciiLetterOrDigit(text[0]))) return false;
        if (text.StartsWith('#'))
        {
            var name = text[1..];
            if (name.Length == 0 || name.Any(c => c <= ' ' || c == 0x7f)) return false;
            node = new QueueNode(name.ToLowerInvariant(), false, true);
            return true;
        }
        var at = text.StartsWith('@');
        var domain = (at ? text[1..] : text).TrimEnd('.').ToLowerInvariant();
        if (!DomainName.IsValid(domain)) return false;
        node = new QueueNode(domain, at, false);
        return true;
    }
}
