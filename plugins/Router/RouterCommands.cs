using System.Composition;
using System.Net;
using Kernel.Abstractions;

namespace Router;

/// <summary>
/// <c>kernel router show</c>, <c>kernel router set FILE|-</c> and <c>kernel route test ADDRESS …</c> (issue 4). A table
/// with errors is refused whole: every <c>line N: reason</c> goes to stderr and nothing is stored.
/// </summary>
[Export(typeof(ICliCommands))]
public sealed class RouterCommands : ICliCommands
{
    public IReadOnlyList<CliCommand> Commands { get; } =
    [
        new CliCommand(["router", "show"], "prints the Router table", [], [], ShowAsync),
        new CliCommand(["router", "set"], "replaces the Router table from FILE ('-' reads stdin); a table with errors is refused whole",
            [new CliArgument("file", "the table file, or - for standard input")], [], SetAsync),
        new CliCommand(["route", "test"], "routes ADDRESS and prints the result and the relay verdict",
            [new CliArgument("address", "the address to route (with --kind signal also a sip:/sips: URI)")],
            [
                new CliOption("kind", "mail (default) | signal | access | http"),
                new CliOption("from-ip", "the client IP the request comes from (default: an unknown Internet client)"),
                new CliOption("auth", "the account the client authenticated as"),
                new CliOption("trace", "print every step with the record that fired", IsFlag: true),
                new CliOption("json", "print the decision as JSON", IsFlag: true),
            ],
            TestAsync),
    ];

    private static async Task<int> ShowAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        var text = await invocation.Service<IConfigurationStore>().GetAsync(RouterDocument.Name, cancellationToken) ?? "";
        await invocation.Out.WriteAsync(text.Length == 0 || text.EndsWith('\n') ? text : text + "\n");
        return 0;
    }

    private static async Task<int> SetAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        var file = invocation.Argument("file")!;
        string text;
        try
        {
            text = file == "-" ? await invocation.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(file, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await invocation.Error.WriteLineAsync($"cannot read {file}: {e.Message}");
            return 1;
        }
        var parse = TableParser.Parse(text);
        foreach (var warning in parse.Warnings) await invocation.Error.WriteLineAsync("warning: " + warning);
        if (!parse.Ok)
        {
            foreach (var error in parse.Errors) await invocation.Error.WriteLineAsync(error);
            await invocation.Error.WriteLineAsync($"router table refused: {parse.Errors.Count} error(s); the previous table stays active");
            return 1;
        }
        await invocation.Service<IConfigurationStore>().SetAsync(RouterDocument.Name, text, cancellationToken);
        await invocation.Out.WriteLineAsync($"router table set: {parse.Table!.Records.Count} records");
        return 0;
    }

    private static async Task<int> TestAsync(CliInvocation invocation, CancellationToken cancellationToken)
    {
        RouteKind kind;
        switch ((invocation.Option("kind") ?? "mail").ToLowerInvariant())
        {
            case "mail": kind = RouteKind.Mail; break;
            case "signal": kind = RouteKind.Signal; break;
            case "access": kind = RouteKind.Access; break;
            case "http": kind = RouteKind.Http; break;
            default:
                await invocation.Error.WriteLineAsync("--kind must be mail, signal, access or http");
                return 2;
        }
        IPAddress? ip = null;
        if (invocation.Option("from-ip") is { } fromIp && !IPAddress.TryParse(fromIp, out ip))
        {
            await invocation.Error.WriteLineAsync($"--from-ip {fromIp}: not an IP address");
            return 2;
        }
        AccountAddress? account = null;
        if (invocation.Option("auth") is { } auth && !AccountAddress.TryParse(auth, null, out account))
        {
            await invocation.Error.WriteLineAsync($"--auth {auth}: not an account address (name@domain)");
            return 2;
        }

        var accounts = invocation.Service<IAccountStore>();
        // An authenticated source is trusted for relaying: testing as an account that cannot log in would answer a
        // question no client can ask (router.md §6.3: only an account or its alias may log in).
        if (account is not null && await accounts.FindObjectAsync(account, cancellationToken) is not { Kind: DirectoryObjectKind.Account or DirectoryObjectKind.Alias })
        {
            await invocation.Error.WriteLineAsync($"error: --auth {account}: no account {account}");
            return 1;
        }
        var documents = invocation.Service<IConfigurationStore>();
        var (snapshot, parse) = await RouterLoader.LoadAsync(documents, accounts, RouterSnapshot.Empty, cancellationToken);
        if (parse is { Ok: false })
        {
            foreach (var error in parse.Errors) await invocation.Error.WriteLineAsync("stored table: " + error);
            return 1;
        }
        var state = new RouterState();
        state.Swap(snapshot);
        var router = new TableRouter(state, accounts,
            invocation.Services.GetService(typeof(IListenerRegistry)) as IListenerRegistry,
            invocation.Services.GetService(typeof(IDnsResolver)) as IDnsResolver);

        // The same classification protocol plugins get through ISourceClassifier (smtp.md §5.1).
        var source = new RequestSource { ClientIp = ip, Class = SourceClass.Untrusted, AuthenticatedAccount = account, Protocol = "CLI" };
        source = source with { Class = router.Classify(source) };
        var address = kind == RouteKind.Signal ? SipUri.AddressOf(invocation.Argument("address")!) : invocation.Argument("address")!;
        var decision = await router.RouteAsync(new RouteRequest(address, kind, source, kind == RouteKind.Signal, WithTrace: true), cancellationToken);
        if (decision.Result is RouteResult.Reject { Reason: RejectReason.BadSyntax } bad)
        {
            // Not a route but bad input (issue 8 §4): one line on stderr and a non-zero exit, never "relay: allowed".
            await invocation.Error.WriteLineAsync($"error: '{address}' is not an address: {RouteTestOutput.Display(bad)}");
            return 1;
        }
        if (invocation.Flag("json")) await RouteTestOutput.WriteJsonAsync(invocation.Out, decision, kind);
        else await RouteTestOutput.WriteTextAsync(invocation.Out, decision, invocation.Flag("trace"), kind);
        return 0;
    }
}
