using System.CommandLine;
using Kernel.Abstractions;
using Kernel.Configuration;

namespace Kernel.Cli;

/// <summary>
/// <c>kernel settings get|set|list|keys</c> at any scope: server (default), <c>--domain D</c>, <c>--template D</c>,
/// <c>--account A</c>. Only known keys (<see cref="KnownSettings"/>) with values they accept are stored; <c>get</c>
/// prints the effective value and where it comes from (account → template → domain → server → default).
/// </summary>
public static class SettingsCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var settings = new Command("settings", "read and change settings (kernel settings keys lists them)");

        var (getOptions, getScope) = ScopeOptions();
        var getKey = new Argument<string>("key") { Description = KeysHelp };
        var getJson = CliOptions.Json();
        var get = new Command("get", "print a setting's effective value and where it comes from (account, template, domain, server or default)") { getKey, getJson };
        foreach (var o in getOptions) get.Options.Add(o);
        get.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var setting = KnownSettings.Require(p.GetValue(getKey)!);
            var (value, source) = await EffectiveAsync(store, await getScope(p, store, ct), setting, ct)
                ?? throw new CliError($"{setting.Key} is not set and has no default");
            if (p.GetValue(getJson)) { CliOutput.Json(c.Out, new { key = setting.Key, value, source }); return; }
            await c.Out.WriteLineAsync($"{value} ({source})");
        });

        var (setOptions, setScope) = ScopeOptions();
        var setKey = new Argument<string>("key") { Description = KeysHelp };
        var setValue = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne, Description = "omit to remove the value at this scope" };
        var set = new Command("set", "set (or remove) a setting at one scope") { setKey, setValue };
        foreach (var o in setOptions) set.Options.Add(o);
        set.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            await WriteAsync(c, await setScope(p, store, ct), p.GetValue(setKey)!, p.GetValue(setValue), ct);
        });

        var (listOptions, listScope) = ScopeOptions();
        var json = CliOptions.Json();
        var effective = new Option<bool>("--effective") { Description = "every known setting with its effective value and where it comes from" };
        var list = new Command("list", "list the values stored at one scope (or, with --effective, every known setting's effective value)") { json, effective };
        foreach (var o in listOptions) list.Options.Add(o);
        list.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var scope = await listScope(p, store, ct);
            if (p.GetValue(effective))
            {
                var rows = new List<(string Key, string? Value, string Source)>();
                foreach (var s in KnownSettings.All)
                {
                    var found = await EffectiveAsync(store, scope, s, ct);
                    rows.Add((s.Key, found?.Value, found?.Source ?? "not set"));
                }
                if (p.GetValue(json)) { CliOutput.Json(c.Out, rows.ToDictionary(r => r.Key, r => new { value = r.Value, source = r.Source })); return; }
                foreach (var (k, v, source) in rows) await c.Out.WriteLineAsync(v is null ? $"{k} (not set)" : $"{k}={v} ({source})");
                return;
            }
            var values = await store.GetOwnSettingsAsync(scope, ct);
            if (p.GetValue(json)) { CliOutput.Json(c.Out, values); return; }
            foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase)) await c.Out.WriteLineAsync($"{k}={v}");
        });

        var keysJson = CliOptions.Json();
        var keys = new Command("keys", "list the known settings: key, the Guide's label, type, allowed values, default, where it may be set") { keysJson };
        keys.Run(context, async (p, c, ct) =>
        {
            if (p.GetValue(keysJson))
            {
                CliOutput.Json(c.Out, KnownSettings.All.Select(s => new { key = s.Key, label = s.GuideLabel, type = s.Type, allowed = s.Allowed, @default = s.Default, levels = s.LevelsText, readBy = s.Reader, oldNames = s.OldNames ?? [] }));
                return;
            }
            foreach (var s in KnownSettings.All)
                await c.Out.WriteLineAsync($"{s.Key}\t\"{s.GuideLabel}\"\t{s.Type}: {s.Allowed}\tdefault: {s.Default ?? "none"}\tset at: {s.LevelsText}");
        });

        settings.Subcommands.Add(get);
        settings.Subcommands.Add(set);
        settings.Subcommands.Add(list);
        settings.Subcommands.Add(keys);
        return settings;
    }

    /// <summary>The keys with the Guide's label, for <c>--help</c>.</summary>
    public static string KeysHelp { get; } =
        "one of: " + string.Join("; ", KnownSettings.All.Select(s => $"{s.Key} (\"{s.GuideLabel}\")"));

    /// <summary>
    /// The one way a setting is written (<c>settings set</c>, <c>domain set</c>, <c>account set</c>): a known key, a value
    /// it accepts, at a scope it is read at. Setting under an old name stores the current key and drops the old one there.
    /// Removing (no value) takes any key, so values stored before keys were checked can still be cleaned up.
    /// </summary>
    public static async Task WriteAsync(CliContext c, SettingScope scope, string key, string? value, CancellationToken ct)
    {
        var store = c.Service<IAccountStore>();
        var setting = KnownSettings.Find(key);
        if (setting is null && value is not null) setting = KnownSettings.Require(key);
        if (setting is not null)
        {
            KnownSettings.Check(setting, scope.Kind, value);
            await store.SetSettingAsync(scope, setting.Key, value?.Trim(), ct);
            foreach (var old in setting.OldNames ?? [])
                if ((await store.GetOwnSettingsAsync(scope, ct)).ContainsKey(old)) await store.SetSettingAsync(scope, old, null, ct);
            key = setting.Key;
        }
        else
        {
            await store.SetSettingAsync(scope, key, null, ct);
        }
        await c.Out.WriteLineAsync($"{scope}: {key} {(value is null ? "removed" : "set")}");
    }

    /// <summary>The value in effect at a scope and where it comes from, walking account → template → domain → server → default.</summary>
    public static async Task<(string Value, string Source)?> EffectiveAsync(IAccountStore store, SettingScope scope, KnownSetting setting, CancellationToken ct)
    {
        foreach (var level in Chain(scope))
        {
            var own = await store.GetOwnSettingsAsync(level, ct);
            foreach (var name in setting.AllNames)
                if (own.TryGetValue(name, out var value))
                    return (value, name.Equals(setting.Key, StringComparison.OrdinalIgnoreCase) ? level.ToString() : $"{level}, old name {name}");
        }
        return setting.Default is { } d ? (d, "default") : null;
    }

    private static IEnumerable<SettingScope> Chain(SettingScope scope)
    {
        if (scope.Kind == SettingScopeKind.Account) yield return scope;
        if (scope.Kind is SettingScopeKind.Account or SettingScopeKind.AccountTemplate) yield return SettingScope.ForTemplate(scope.Domain!);
        if (scope.Kind is not SettingScopeKind.Server) yield return SettingScope.ForDomain(scope.Domain!);
        yield return SettingScope.Server;
    }

    public static (Option[] Options, Func<ParseResult, IAccountStore, CancellationToken, Task<SettingScope>> Scope) ScopeOptions()
    {
        var domain = new Option<string?>("--domain") { Description = "a domain's settings" };
        var template = new Option<string?>("--template") { Description = "a domain's Account Template" };
        var account = new Option<string?>("--account") { Description = "an account's settings" };
        return ([domain, template, account], async (p, store, ct) =>
        {
            var given = new[] { p.GetValue(domain), p.GetValue(template), p.GetValue(account) }.Count(v => v is not null);
            if (given > 1) throw new CliError("give at most one of --domain, --template, --account");
            if (p.GetValue(domain) is { } d) return SettingScope.ForDomain(await RealDomainAsync(store, d, ct));
            if (p.GetValue(template) is { } t) return SettingScope.ForTemplate(await RealDomainAsync(store, t, ct));
            if (p.GetValue(account) is { } a) return SettingScope.ForAccount(await CliMailboxName.OwnerAsync(store, a, ct));
            return SettingScope.Server;
        });
    }

    /// <summary>A domain alias names its domain; an unknown domain is one line.</summary>
    private static async Task<string> RealDomainAsync(IAccountStore store, string text, CancellationToken ct)
    {
        var d = CliAddress.Domain(text);
        return await store.ResolveDomainAsync(d, ct) ?? throw new CliError($"unknown domain {d}");
    }
}
