using System.CommandLine;
using Kernel.Abstractions;

namespace Kernel.Cli;

/// <summary><c>kernel account add|list|remove|passwd|set|admin</c>.</summary>
public static class AccountCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var account = new Command("account", "manage accounts");

        var addAddress = new Argument<string>("account") { Description = "name@domain (a bare name is in the Main Domain)" };
        var password = new Option<string?>("--password") { Description = "the password; '-' reads it from stdin" };
        var realName = new Option<string?>("--real-name") { Description = "the account's real name" };
        var add = new Command("add", "create an account with its INBOX and the Account Template's mailboxes, subscriptions and aliases") { addAddress, password, realName };
        add.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(addAddress)!, ct);
            await store.CreateAccountAsync(address, await ReadPasswordAsync(c, p.GetValue(password), required: false), p.GetValue(realName), ct);
            await c.Out.WriteLineAsync($"account {address} created");
        });

        var listDomain = new Argument<string?>("domain") { Arity = ArgumentArity.ZeroOrOne, Description = "omit to list the accounts of every domain" };
        var json = CliOptions.Json();
        var list = new Command("list", "list a domain's accounts, or every account") { listDomain, json };
        list.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var domains = p.GetValue(listDomain) is { } one
                ? [CliAddress.Domain(one)]
                : (await store.ListDomainsAsync(ct)).Select(d => d.Name).ToArray();
            var accounts = new List<AccountInfo>();
            foreach (var d in domains) accounts.AddRange(await store.ListAccountsAsync(d, ct));
            if (p.GetValue(json))
            {
                CliOutput.Json(c.Out, accounts.Select(a => new { account = a.Address.ToString(), realName = a.RealName, created = a.Created }));
                return;
            }
            foreach (var a in accounts) await c.Out.WriteLineAsync(a.RealName is null ? a.Address.ToString() : $"{a.Address} ({a.RealName})");
        });

        var removeAddress = new Argument<string>("account");
        var remove = new Command("remove", "remove an account with its aliases, mailboxes and files") { removeAddress };
        remove.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(removeAddress)!, ct);
            await store.DeleteAccountAsync(address, ct);
            await c.Out.WriteLineAsync($"account {address} removed");
        });

        var passwdAddress = new Argument<string>("account");
        var newPassword = new Option<string?>("--password") { Description = "the new password; omitted or '-' reads it from stdin" };
        var passwd = new Command("passwd", "set an account's password") { passwdAddress, newPassword };
        passwd.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(passwdAddress)!, ct);
            await store.SetPasswordAsync(address, (await ReadPasswordAsync(c, p.GetValue(newPassword) ?? "-", required: true))!, ct);
            await c.Out.WriteLineAsync($"password of {address} changed");
        });

        var setAddress = new Argument<string>("account");
        var key = new Argument<string>("key") { Description = SettingsCommands.KeysHelp };
        var value = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne, Description = "omit to remove the setting" };
        var set = new Command("set", "set an account setting (the same as kernel settings set --account A)") { setAddress, key, value };
        set.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(setAddress)!, ct);
            if (await store.GetAccountAsync(address, ct) is null) throw new CliError($"no account {address}");
            await SettingsCommands.WriteAsync(c, SettingScope.ForAccount(address), p.GetValue(key)!, p.GetValue(value), ct);
        });

        var adminAddress = new Argument<string>("account");
        var server = new Option<string?>("--server") { Description = "server rights, comma-separated: Master, AllUsers, Settings, Monitor, Directory, None" };
        var domainRights = new Option<string?>("--domain") { Description = "domain rights, comma-separated: DomainAdministrator, CanAccessMailboxes, CanAccessWebSites, CanCreateAccounts, None" };
        var admin = new Command("admin", "show or set an account's administrator rights") { adminAddress, server, domainRights };
        admin.Run(context, async (p, c, ct) =>
        {
            var store = c.Service<IAccountStore>();
            var address = await CliAddress.ParseAsync(store, p.GetValue(adminAddress)!, ct);
            var rights = await store.GetAdminRightsAsync(address, ct);
            if (p.GetValue(server) is { } s) rights = rights with { Server = ParseFlags<ServerRights>(s, "server right") };
            if (p.GetValue(domainRights) is { } d) rights = rights with { Domain = ParseFlags<DomainAdminRights>(d, "domain right") };
            if (p.GetValue(server) is not null || p.GetValue(domainRights) is not null) await store.SetAdminRightsAsync(address, rights, ct);
            await c.Out.WriteLineAsync($"{address}: server {rights.Server}; domain {rights.Domain}");
        });

        foreach (var command in new[] { add, list, remove, passwd, set, admin }) account.Subcommands.Add(command);
        return account;
    }

    private static async Task<string?> ReadPasswordAsync(CliContext context, string? option, bool required)
    {
        if (option != "-") return option ?? (required ? throw new CliError("a password is required") : null);
        var line = await context.In.ReadLineAsync();
        if (string.IsNullOrEmpty(line)) throw new CliError("no password on stdin");
        return line;
    }

    private static T ParseFlags<T>(string text, string what) where T : struct, Enum
    {
        var result = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<T>(part, ignoreCase: true, out var flag) || int.TryParse(part, out _))
                throw new CliError($"'{part}' is not a {what} (one of {string.Join(", ", Enum.GetNames<T>())})");
            result |= Convert.ToInt32(flag);
        }
        return (T)Enum.ToObject(typeof(T), result);
    }
}
