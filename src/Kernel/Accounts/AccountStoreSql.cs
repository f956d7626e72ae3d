namespace Kernel.Accounts;

/// <summary>
/// Every statement of <see cref="SqliteAccountStore"/>, in one place so another provider (PostgreSQL, a later issue)
/// is a new file, not a rewrite. Tables: Storage/Migrations/002_accounts.sql.
/// </summary>
internal static class AccountStoreSql
{
    // --- Domains ---

    public const string RealDomain = """
        SELECT name FROM domains WHERE name = @name
        UNION ALL SELECT domain FROM domain_aliases WHERE alias = @name
        LIMIT 1
        """;

    public const string IsDomainName = "SELECT EXISTS (SELECT 1 FROM domains WHERE name = @name)";

    public const string IsDomainOrAlias = """
        SELECT EXISTS (SELECT 1 FROM domains WHERE name = @name) OR EXISTS (SELECT 1 FROM domain_aliases WHERE alias = @name)
        """;

    public const string MainDomain = """
        SELECT COALESCE(
            (SELECT d.name FROM settings s JOIN domains d ON d.name = lower(s.value)
              WHERE s.scope = 0 AND s.domain = '' AND s.account = '' AND s.key = 'MainDomain'),
            (SELECT name FROM domains ORDER BY id LIMIT 1))
        """;

    public const string InsertDomain = "INSERT INTO domains (name, created) VALUES (@name, @created)";

    public const string DeleteDomain = "DELETE FROM domains WHERE name = @name";

    public const string DeleteDomainSettings = "DELETE FROM settings WHERE scope IN (1, 2, 3) AND domain = @name";

    public const string DeleteMainDomainSetting =
        "DELETE FROM settings WHERE scope = 0 AND domain = '' AND account = '' AND key = 'MainDomain' AND lower(value) = @name";

    public const string ListDomains = "SELECT name FROM domains ORDER BY name";

    public const string ListDomainAliases = "SELECT alias, domain FROM domain_aliases ORDER BY alias";

    public const string InsertDomainAlias = "INSERT INTO domain_aliases (alias, domain) VALUES (@alias, @domain)";

    public const string DeleteDomainAlias = "DELETE FROM domain_aliases WHERE alias = @alias";

    // --- Directory objects ---

    public const string FindObject = "SELECT kind, target FROM directory_objects WHERE domain = @domain AND name = @name";

    /// <summary>
    /// An object by the name of its domain or of one of the domain's aliases: the real domain (<see cref="RealDomain"/>)
    /// and the object in one statement — the routing of every RCPT and of every queued recipient runs it.
    /// </summary>
    public const string FindObjectInRealDomain = """
        WITH d(real) AS (SELECT name FROM domains WHERE name = @domain UNION ALL SELECT domain FROM domain_aliases WHERE alias = @domain LIMIT 1)
        SELECT o.kind AS Kind, o.target AS Target, d.real AS Domain FROM d JOIN directory_objects o ON o.domain = d.real AND o.name = @name
        """;

    public const string InsertObject = "INSERT INTO directory_objects (domain, name, kind, target) VALUES (@domain, @name, @kind, @target)";

    public const string UpdateObjectTarget = "UPDATE directory_objects SET target = @target WHERE domain = @domain AND name = @name";

    public const string DeleteObject = "DELETE FROM directory_objects WHERE domain = @domain AND name = @name";

    public const string DeleteAliasesOf = "DELETE FROM directory_objects WHERE domain = @domain AND kind = 1 AND target = @name";

    public const string ListAliases = "SELECT name, target FROM directory_objects WHERE domain = @domain AND kind = 1 ORDER BY name";

    public const string ListObjects = "SELECT name, kind, target FROM directory_objects WHERE domain = @domain AND (@kind IS NULL OR kind = @kind) ORDER BY name";

    // --- Accounts ---

    public const string InsertAccount = """
        INSERT INTO accounts (domain, name, created, password_hash, cram_md5, digest_ha1)
        VALUES (@domain, @name, @created, @hash, @cram, @ha1)
        """;

    public const string ListAccountNames = "SELECT name FROM accounts WHERE domain = @domain ORDER BY name";

    public const string GetAccount = """
        SELECT a.name, a.created,
               (SELECT value FROM settings s WHERE s.scope = 3 AND s.domain = a.domain AND s.account = a.name AND s.key = 'RealName') AS RealName
          FROM accounts a WHERE a.domain = @domain AND a.name = @name
        """;

    public const string ListAccounts = """
        SELECT a.name, a.created,
               (SELECT value FROM settings s WHERE s.scope = 3 AND s.domain = a.domain AND s.account = a.name AND s.key = 'RealName') AS RealName
          FROM accounts a WHERE a.domain = @domain ORDER BY a.name
        """;

    public const string DeleteAccountSettings = "DELETE FROM settings WHERE scope = 3 AND domain = @domain AND account = @name";

    public const string SetPassword = """
        UPDATE accounts SET password_hash = @hash, cram_md5 = @cram, digest_ha1 = @ha1 WHERE domain = @domain AND name = @name
        """;

    public const string GetPasswordHash = "SELECT password_hash FROM accounts WHERE domain = @domain AND name = @name";

    public const string GetCramMd5 = "SELECT cram_md5 FROM accounts WHERE domain = @domain AND name = @name";

    public const string GetDigestHa1 = "SELECT digest_ha1 FROM accounts WHERE domain = @domain AND name = @name";

    public const string GetRights = "SELECT server_rights, domain_rights FROM accounts WHERE domain = @domain AND name = @name";

    public const string SetRights = "UPDATE accounts SET server_rights = @server, domain_rights = @domainRights WHERE domain = @domain AND name = @name";

    // --- Groups and mailing lists ---

    public const string DeleteMembers = "DELETE FROM group_members WHERE domain = @domain AND name = @name";

    public const string InsertMember = "INSERT INTO group_members (domain, name, position, member) VALUES (@domain, @name, @position, @member)";

    public const string ListMembers = "SELECT member FROM group_members WHERE domain = @domain AND name = @name ORDER BY position";

    // --- Settings: the chain Account (3) → AccountTemplate (2) → Domain (1) → Server (0), nearest first ---

    public const string EffectiveSetting = """
        SELECT value FROM settings
         WHERE key = @key AND scope <= @scope
           AND ((scope = 3 AND domain = @domain AND account = @account)
             OR (scope IN (1, 2) AND domain = @domain AND account = '')
             OR (scope = 0 AND domain = '' AND account = ''))
         ORDER BY scope DESC LIMIT 1
        """;

    public const string OwnSettings = "SELECT key, value FROM settings WHERE scope = @scope AND domain = @domain AND account = @account ORDER BY key";

    public const string UpsertSetting = """
        INSERT INTO settings (scope, domain, account, key, value) VALUES (@scope, @domain, @account, @key, @value)
        ON CONFLICT (scope, domain, account, key) DO UPDATE SET value = excluded.value
        """;

    public const string DeleteSetting = "DELETE FROM settings WHERE scope = @scope AND domain = @domain AND account = @account AND key = @key";
}
