using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel settings get|set|list</c> at any scope: server (default), <c>--domain D</c>, <c>--template D</c>,
/// <c>--account A</c>. <c>get</c> prints the effective value (inherited: account → template → domain → server).
/// </summary>
public static class SettingsCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var settings = new Command("settings", "read and change settings");

        var (getOptions, getScope) = ScopeOptions();
        var getKey = new Argument<string>("key");
        var get = new Command("get", "print a setting's effective value") { getKey };
        foreach (var o in getOptions) get.Options.Add(o);
        get.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var value = await store.GetSettingAsync(await getScope(p, store, ct), p.GetValue(getKey)!, ct);
            if (value is null) throw new CliError($"{p.GetValue(getKey)} is not set");
            await c.Out.WriteLineAsync(value);
        });

        var (setOptions, setScope) = ScopeOptions();
        var setKey = new Argument<string>("key");
        var setValue = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne, Description = "omit to remove the value at this scope" };
        var set = new Command("set", "set (or remove) a setting at one scope") { setKey, setValue };
        foreach (var o in setOptions) set.Options.Add(o);
        set.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var scope = await setScope(p, store, ct);
            await store.SetSettingAsync(scope, p.GetValue(setKey)!, p.GetValue(setValue), ct);
            await c.Out.WriteLineAsync($"{scope}: {p.GetValue(setKey)} {(p.GetValue(setValue) is null ? "removed" : "set")}");
        });

        var (listOptions, listScope) = ScopeOptions();
        var json = CliOptions.Json();
        var list = new Command("list", "list the values stored at one scope") { json };
        foreach (var o in listOptions) list.Options.Add(o);
        list.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var values = await store.GetOwnSettingsAsync(await listScope(p, store, ct), ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, values); return; }
            foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)) await c.Out.WriteLineAsync($"{k}={v}");
        });

        settings.Subcommands.Add(get);
        settings.Subcommands.Add(set);
        settings.Subcommands.Add(list);
        return settings;
    }

    private static (Option[] Options, Func<ParseResult, IAccountStore, CancellationToken, Task<SettingScope>> Scope) ScopeOptions()
    {
        var domain = new Option<string?>("--domain") { Description = "a domain's settings" };
        var template = new Option<string?>("--template") { Description = "a domain's Account Template" };
        var account = new Option<string?>("--account") { Description = "an account's settings" };
        return ([domain, template, account], async (p, store, ct) =>
        {
            var given = new[] { p.GetValue(domain), p.GetValue(template), p.GetValue(account) }.Count(v => v is not null);
            if (given > 1) throw new CliError("give at most one of --domain, --template, --account");
            if (p.GetValue(domain) is { } d) return SettingScope.ForDomain(CliAddress.Domain(d));
            if (p.GetValue(template) is { } t) return SettingScope.ForTemplate(CliAddress.Domain(t));
            if (p.GetValue(account) is { } a) return SettingScope.ForAccount(await CliMailboxName.OwnerAsync(store, a, ct));
            return SettingScope.Server;
        });
    }
}
