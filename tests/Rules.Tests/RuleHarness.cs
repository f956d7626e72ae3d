using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Rules.Tests;

/// <summary>An in-memory rule environment and helpers to run a set over a message without a server.</summary>
internal sealed class FakeEnvironment : IRuleEnvironment
{
    public DateTimeOffset Now { get; set; } = new(2026, 12, 3, 10, 30, 0, TimeSpan.Zero); // a Thursday
    public HashSet<string> Mailboxes { get; } = new(StringComparer.OrdinalIgnoreCase) { "INBOX", "Junk" };
    public Dictionary<string, string> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<string>> Lists { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Task<DateTimeOffset> NowAsync(AccountAddress? account, CancellationToken cancellationToken) => Task.FromResult(Now);

    public Task<bool> MailboxExistsAsync(AccountAddress account, string mailbox, CancellationToken cancellationToken) => Task.FromResult(Mailboxes.Contains(mailbox));

    public Task<string?> PreferenceAsync(AccountAddress account, string name, CancellationToken cancellationToken) => Task.FromResult(Settings.GetValueOrDefault(name));

    public Task<IReadOnlyList<string>> RememberedAsync(AccountAddress account, string list, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(Lists.GetValueOrDefault(list) ?? []);

    public Task RememberAsync(AccountAddress account, string list, string address, CancellationToken cancellationToken)
    {
        if (!Lists.TryGetValue(list, out var l)) Lists[list] = l = [];
        if (!l.Contains(address, StringComparer.OrdinalIgnoreCase)) l.Add(address);
        return Task.CompletedTask;
    }
}

/// <summary>An <see cref="IConfigurationStore"/> in memory.</summary>
internal sealed class MemoryDocuments : IConfigurationStore
{
    private readonly Dictionary<string, string> _docs = new(StringComparer.Ordinal);
    private long _sequence;

    public Task<string?> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(_docs.GetValueOrDefault(name));

    public Task<long> SetAsync(string name, string text, CancellationToken cancellationToken = default)
    {
        _docs[name] = text;
        return Task.FromResult(++_sequence);
    }

    public Task<long> GetChangeSequenceAsync(CancellationToken cancellationToken = default) => Task.FromResult(_sequence);
}

internal static class RuleHarness
{
    public static readonly AccountAddress Alice = new("alice", "company.dom");

    public static RuleSet Parse(string text, RuleScope scope = RuleScope.Server)
    {
        var result = RuleText.Parse(text, scope);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Set!;
    }

    public static RuleInput Message(string header, string sender = "alice@company.dom", string[]? recipients = null, RequestSource? source = null, long? size = null)
    {
        var bytes = Encoding.ASCII.GetBytes(header.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\nbody\r\n");
        var envelope = new Envelope
        {
            Sender = sender,
            Recipients = (recipients ?? ["bob@company.dom"]).Select(r => new EnvelopeRecipient { Address = r }).ToList(),
            Source = source ?? RequestSource.InternalSource("test"),
        };
        return new RuleInput(envelope, HeaderFields.Read(bytes), size ?? bytes.Length, MessageBody.FromBytes(bytes));
    }

    public static Task<RuleOutcome> RunAsync(string set, RuleInput input, RuleScope scope = RuleScope.Server, IRuleEnvironment? environment = null)
    {
        var rules = CompiledRule.CompileSet(Parse(set, scope), scope);
        return new RuleEvaluator(environment ?? new FakeEnvironment()).EvaluateAsync(rules, input, scope == RuleScope.Server ? null : Alice, CancellationToken.None);
    }

    public static RulesEngine Engine(MemoryDocuments documents, FakeEnvironment? environment = null) =>
        new(new RuleSetCache(documents), environment ?? new FakeEnvironment(), NullLogger.Instance);
}
