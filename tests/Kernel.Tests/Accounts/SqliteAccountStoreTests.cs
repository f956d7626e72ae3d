using Dapper;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Configuration;
using Kernel.Storage;
using Kernel.Testing.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Accounts;

/// <summary>The account store contract on SQLite, and what only SQLite has (its files, its change sequence, two handles on one folder).</summary>
public sealed class SqliteAccountStoreTests : AccountStoreContract<SqliteStoreProvider>
{
    protected override bool AccountRowExists(AccountAddress account) => RecordingLifecycle.Exists(Provider.Database, account);

    protected override void AssertNothingStoredFor(string domain)
    {
        using var c = Provider.Database.Open();
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM directory_objects WHERE domain = @domain", new { domain }));
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM group_members"));
        Assert.Equal(0, c.ExecuteScalar<long>("SELECT COUNT(*) FROM settings WHERE domain = @domain", new { domain }));
    }

    [Fact]
    public async Task Every_setting_change_bumps_the_change_sequence_and_account_settings_publish_an_event()
    {
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), null);
        var before = await new SqliteConfigurationStore(Provider.Database).GetChangeSequenceAsync();
        await Store.SetSettingAsync(SettingScope.ForDomain("test.dom"), "K", "1");
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@test.dom")), "K", "2");
        await Store.SetSettingAsync(SettingScope.ForAccount(A("alice@test.dom")), "K", null);
        Assert.Equal(before + 3, await new SqliteConfigurationStore(Provider.Database).GetChangeSequenceAsync());
        Assert.Equal(2, Bus.Of<AccountChanged>().Count(e => e.Change == AccountChange.SettingsChanged));
        // A refused change does not bump it.
        await Assert.ThrowsAsync<DirectoryException>(() => Store.SetSettingAsync(SettingScope.ForDomain("gone.dom"), "K", "1"));
        Assert.Equal(before + 3, await new SqliteConfigurationStore(Provider.Database).GetChangeSequenceAsync());
    }
    [Fact]
    public async Task The_password_itself_is_never_stored()
    {
        const string password = "Unmistakable-Secret-9731";
        await Store.CreateDomainAsync("test.dom");
        await Store.CreateAccountAsync(A("alice@test.dom"), password);
        await Store.SetPasswordAsync(A("alice@test.dom"), password);
        using (var c = Provider.Database.Open())
        {
            c.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
            var hash = c.ExecuteScalar<string>("SELECT password_hash FROM accounts");
            Assert.StartsWith("pbkdf2-sha256$", hash);
        }
        foreach (var file in Directory.GetFiles(Provider.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.DoesNotContain(password, System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            Assert.DoesNotContain(password, System.Text.Encoding.Unicode.GetString(bytes), StringComparison.Ordinal);
        }
    }
    [Fact]
    public async Task Two_database_instances_on_one_folder_see_each_others_directory()
    {
        await Store.CreateDomainAsync("test.dom");
        var other = new SqliteAccountStore(new SqliteDatabase(Provider.DataDirectory), Bus, [Lifecycle], NullLogger<SqliteAccountStore>.Instance) { PasswordIterations = StoreProvider.TestPasswordIterations };
        await other.CreateAccountAsync(A("alice@test.dom"), "pw");
        Assert.True(await Store.VerifyPasswordAsync(A("alice@test.dom"), "pw"));
    }
}
