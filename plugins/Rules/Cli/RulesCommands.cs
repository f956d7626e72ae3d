using System.Composition;
using System.Net;
using System.Text;
using Kernel.Abstractions;

namespace Rules;

/// <summary>
/// <c>kernel rules show|set|test server | domain D | account A@D …</c> (rules.md §9.3). A set with errors is refused
/// whole: every <c>line N: reason</c> goes to stderr, nothing is stored and the previous set stays active.
/// </summary>
[Export(typeof(ICliCommands))]
public sealed class RulesCommands : ICliCommands
{
    private static readonly CliArgument Target = new("target", "server | domain <d> | account <a@d>, then for set the file (or - / nothing for stdin)", Many: true);

    public IReadOnlyList<CliCommand> Commands { get; } =
    [
        new CliCommand(["rules", "show"], "prints a rule set (canonical form; --readable or --sieve for the other forms)", [Target],
            [
                new CliOption("readable", "print the readable form (rules.md §9.2)", IsFlag: true),
                new CliOption("sieve", "print the Sieve form (RFC 5228, rules.md §10)", IsFlag: true),
            ],
            ShowAsync),
        new CliCommand(["rules", "set"], "replaces a rule set from FILE or stdin (canonical or readable form); a set with errors is refused whole", [Target],
            [
                new CliOption("sieve", "the text is a Sieve script (rules.md §10)", IsFlag: true),
                new CliOption("as-user", "check the account's RulesAllowed setting as when the user saves (rules.md §7)", IsFlag: true),
            ],
            SetAsync),
        new CliCommand(["rules", "test"], "shows which rules fire on a message and what they would do, delivering nothing", [Target],
            [
                new CliOption("message", "the message file (RFC 5322)", Required: true),
                new CliOption("from", "the envelope sender ('' for <>)", Required: true),
                new CliOption("to", "the envelope recipients, comma-separated", Required: true),
                new CliOption("source", "server scope: authenticated | client | internal | remote (default internal)"),
            ],
            TestAsync),
    ];

    private static async Task<RuleTarget?> TargetAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        var words = invocation.Arguments.TryGetValue("target", out var w) ? w : [];
        var (target, error) = await RuleTarget.ResolveAsync(words, invocation.Service<IAccountStore>(), cancellationToken);
        if (error is not null) await invocation.Error.WriteLineAsync("error: " + error);
        return target;
    }

    private static async Task<int> ShowAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        if (await TargetAsync(invocation, cancellationToken) is not { } target) return 2;
        if (target.Rest.Count > 0)
        {
            await invocation.Error.WriteLineAsync($"error: unexpected '{string.Join(' ', target.Rest)}'");
            return 2;
        }
        var text = await invocation.Service<IConfigurationStore>().GetAsync(target.Document, cancellationToken) ?? "";
        var parse = RuleText.Parse(text, target.Scope);
        if (!parse.Ok)
        {
            foreach (var error in parse.Errors) await invocation.Error.WriteLineAsync("stored set: " + error);
            return 1;
        }
        if (invocation.Flag("sieve"))
        {
            var sieve = SieveExporter.Export(parse.Set!, target.Scope);
            foreach (var problem in sieve.Problems) await invocation.Error.WriteLineAsync("not exported exactly: " + problem);
            await invocation.Out.WriteAsync(sieve.Script);
            return 0;
        }
        await invocation.Out.WriteAsync(invocation.Flag("readable") ? RulePrinter.ToReadable(parse.Set!) : RulePrinter.ToCanonical(parse.Set!));
        return 0;
    }

    private static async Task<int> SetAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        if (await TargetAsync(invocation, cancellationToken) is not { } target) return 2;
        if (target.Rest.Count > 1)
        {
            await invocation.Error.WriteLineAsync($"error: one file at most (found '{string.Join(' ', target.Rest)}')");
            return 2;
        }
        var file = target.Rest.Count == 1 ? target.Rest[0] : "-";
        string? text;
        try
        {
            if (file == "-") text = await ReadLimitedAsync(invocation.In, cancellationToken);
            else
            {
                using var reader = new StreamReader(file);
                text = await ReadLimitedAsync(reader, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await invocation.Error.WriteLineAsync($"error: cannot read {file}: {e.Message}");
            return 1;
        }
        if (text is null)
        {
            await invocation.Error.WriteLineAsync($"line 1: the text is longer than {2 * RuleLimits.MaxSetBytes} bytes; a rule set is at most {RuleLimits.MaxSetBytes} bytes");
            await invocation.Error.WriteLineAsync("rule set refused: 1 error(s); the previous set stays active");
            return 1;
        }
        var parse = invocation.Flag("sieve") ? SieveImporter.Import(text, target.Scope) : RuleText.Parse(text, target.Scope);
        var errors = parse.Errors.ToList();
        var documents = invocation.Service<IConfigurationStore>();
        if (parse.Ok && invocation.Flag("as-user"))
        {
            if (target.Account is null)
            {
                await invocation.Error.WriteLineAsync("error: --as-user is for account sets");
                return 2;
            }
            var setting = await invocation.Service<IAccountStore>().GetSettingAsync(SettingScope.ForAccount(target.Account), RulePermissions.Setting, cancellationToken);
            var level = RulePermissions.ParseLevel(setting) ?? ActionClass.No;
            var current = RuleText.Parse(await documents.GetAsync(target.Document, cancellationToken) ?? "", target.Scope).Set ?? RuleSet.Empty;
            errors.AddRange(RulePermissions.Check(parse.Set!, current, level));
        }
        if (errors.Count > 0)
        {
            foreach (var error in errors) await invocation.Error.WriteLineAsync(error);
            await invocation.Error.WriteLineAsync($"rule set refused: {errors.Count} error(s); the previous set stays active");
            return 1;
        }
        await documents.SetAsync(target.Document, RulePrinter.ToCanonical(parse.Set!), cancellationToken);
        await invocation.Out.WriteLineAsync($"rules set for {target}: {parse.Set!.Rules.Count} rules");
        return 0;
    }

    /// <summary>
    /// The text, or null when it is longer than twice the set limit (rules.md §8.2) — never held in memory whole. The
    /// rest of a pipe is read and dropped, so the writer sees the refusal rather than a broken pipe.
    /// </summary>
    private static async Task<string?> ReadLimitedAsync(TextReader input, CancellationToken cancellationToken)
    {
        var buffer = new char[2 * RuleLimits.MaxSetBytes + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await input.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (n == 0) return new string(buffer, 0, total);
            total += n;
        }
        while (await input.ReadAsync(buffer.AsMemory(), cancellationToken) > 0)
        {
            // drain
        }
        return null;
    }

    private static async Task<int> TestAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        if (await TargetAsync(invocation, cancellationToken) is not { } target) return 2;
        var recipients = ParameterSyntax.AddressList(invocation.Option("to") ?? "");
        if (recipients.Length == 0)
        {
            await invocation.Error.WriteLineAsync("error: --to names at least one recipient");
            return 2;
        }
        byte[] message;
        try
        {
            message = await File.ReadAllBytesAsync(invocation.Option("message")!, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await invocation.Error.WriteLineAsync($"error: cannot read {invocation.Option("message")}: {e.Message}");
            return 1;
        }
        var source = (invocation.Option("source") ?? "internal").ToLowerInvariant() switch
        {
            "internal" => RequestSource.InternalSource("CLI"),
            "authenticated" => new RequestSource { Class = SourceClass.Trusted, ClientIp = IPAddress.Loopback, AuthenticatedAccount = target.Account, Protocol = "esmtpa" },
            "client" => new RequestSource { Class = SourceClass.Trusted, ClientIp = IPAddress.Loopback, Protocol = "esmtp" },
            "remote" => new RequestSource { Class = SourceClass.Untrusted, ClientIp = IPAddress.Parse("192.0.2.1"), Protocol = "esmtp" },
            _ => null,
        };
        if (source is null)
        {
            await invocation.Error.WriteLineAsync("error: --source is authenticated, client, internal or remote");
            return 2;
        }
        var envelope = new Envelope
        {
            Sender = (invocation.Option("from") ?? "").Trim().Trim('<', '>'),
            Recipients = recipients.Select(r => new EnvelopeRecipient { Address = r }).ToList(),
            Source = source,
        };
        var input = new RuleInput(envelope, HeaderFields.Read(message), message.Length, MessageBody.FromBytes(message));

        var documents = invocation.Service<IConfigurationStore>();
        var accounts = invocation.Service<IAccountStore>();
        var cache = new RuleSetCache(documents);
        var environment = new StoreEnvironment(accounts, invocation.Services.GetService(typeof(IMailboxStore)) as IMailboxStore, documents, TimeProvider.System, dryRun: true);
        var engine = new RulesEngine(cache, environment, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        RuleOutcome outcome;
        switch (target.Scope)
        {
            case RuleScope.Server:
                outcome = await engine.EvaluateServerAsync(input, cancellationToken);
                break;
            case RuleScope.Account:
                outcome = await engine.EvaluateDeliveryAsync(input, target.Account!, cancellationToken);
                break;
            default:
                // The domain's own set, for the first recipient in it (what the domain's rules do before any account rule).
                if (!AccountAddress.TryParse(recipients[0], null, out var recipient) || !recipient!.Domain.Equals(target.Domain, StringComparison.OrdinalIgnoreCase))
                {
                    await invocation.Error.WriteLineAsync($"error: the first --to must be an address in {target.Domain}");
                    return 2;
                }
                var rules = await cache.GetAsync(target.Document, RuleScope.Domain, cancellationToken);
                outcome = await new RuleEvaluator(environment).EvaluateAsync(rules, input, recipient, cancellationToken);
                break;
        }
        await invocation.Out.WriteAsync(OutcomeText.Write(outcome));
        return 0;
    }
}
