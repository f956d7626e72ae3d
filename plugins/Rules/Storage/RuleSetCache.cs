using System.Collections.Concurrent;
using System.Composition;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Rules;

/// <summary>
/// The compiled sets of this process, read from the configuration store on first use and dropped when the module
/// hears <see cref="ConfigurationChanged"/> for them, so a running server uses a new set within a second (the store's
/// change watcher) and a CLI process always reads the current one. A stored set that no longer parses keeps the
/// previous compiled set (or none) and is logged.
/// </summary>
[Export]
[Shared]
public sealed class RuleSetCache
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<CompiledRule>> _sets = new(StringComparer.Ordinal);
    private readonly IConfigurationStore _documents;
    private long _generation;

    [ImportingConstructor]
    public RuleSetCache(IConfigurationStore documents) => _documents = documents;

    internal ILogger Logger { get; set; } = NullLogger.Instance;

    internal async Task<IReadOnlyList<CompiledRule>> GetAsync(string document, RuleScope scope, CancellationToken cancellationToken)
    {
        if (_sets.TryGetValue(document, out var cached)) return cached;
        var generation = Volatile.Read(ref _generation);
        var text = await _documents.GetAsync(document, cancellationToken) ?? "";
        var parse = RuleText.Parse(text, scope);
        if (!parse.Ok)
        {
            foreach (var error in parse.Errors)
                Logger.LogError("rule set {Document} in the store refused, the previous set stays active: {Error}", document, error);
            return _sets.TryGetValue(document, out var previous) ? previous : [];
        }
        var compiled = CompiledRule.CompileSet(parse.Set!, scope);
        // A change heard while reading may be newer than the text read: then do not keep it, read again next time.
        if (Volatile.Read(ref _generation) == generation) _sets[document] = compiled;
        return compiled;
    }

    /// <summary>Puts a compiled set in place without the store (bench/Rules measures sets past the 200-rule limit of §8.2).</summary>
    internal void Preload(string document, IReadOnlyList<CompiledRule> rules) => _sets[document] = rules;

    /// <summary>A document changed (null: something did; drop everything).</summary>
    internal void Invalidate(string? document)
    {
        Interlocked.Increment(ref _generation);
        if (document is null) _sets.Clear();
        else if (document.StartsWith(RuleDocuments.Prefix, StringComparison.Ordinal))
        {
            _sets.TryRemove(document, out _);
            Logger.LogInformation("rule set {Document} changed; the next message uses the new set", document);
        }
    }
}
