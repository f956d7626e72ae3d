using System.Text;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Files;
using Kernel.Storage;
using Kernel.Testing.Stores;
using Kernel.Tests.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Tests.Files;

public sealed class DiskFileStoreTests : IAsyncLifetime
{
    private static readonly AccountAddress Alice = new("alice", "domain.dom");
    private static readonly AccountAddress Bob = new("bob", "domain.dom");
    private static readonly AccountAddress WebAdmin = new("dweb", "domain.dom");
    private static readonly AccountAddress MailAdmin = new("dmail", "domain.dom");
    private static readonly AccountAddress OtherWebAdmin = new("oweb", "other.dom");
    private static readonly AccountAddress AllUsers = new("ops", "main.dom");
    private static readonly AccountAddress Master = new("postmaster", "main.dom");

    private static readonly Principal AsAlice = Principal.User(Alice);
    private static readonly Principal AsBob = Principal.User(Bob);

    private readonly TempDataFolder _folder = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteStoreProvider _stores;
    private readonly IAccountStore _accounts;
    private readonly DiskFileStore _store;

    public DiskFileStoreTests()
    {
        // The real account store on the same database and data folder as the file store, as in the server.
        _stores = new SqliteStoreProvider(_folder.Path);
        _database = _stores.Database;
        _accounts = _stores.CreateAccountStore();
        _store = new DiskFileStore(_database, _accounts);
    }

    public async Task InitializeAsync()
    {
        // main.dom first: it is the Main Domain, the only one whose accounts may hold server rights (the fake allowed any).
        foreach (var account in new[] { AllUsers, Master, Alice, Bob, WebAdmin, MailAdmin, OtherWebAdmin }) await _accounts.EnsureAccountAsync(account);
        await _accounts.SetAdminRightsAsync(WebAdmin, new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessWebSites));
        await _accounts.SetAdminRightsAsync(MailAdmin, new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes));
        await _accounts.SetAdminRightsAsync(OtherWebAdmin, new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessWebSites));
        await _accounts.SetAdminRightsAsync(AllUsers, new AdminRights(ServerRights.AllUsers, DomainAdminRights.None));
        await _accounts.SetAdminRightsAsync(Master, new AdminRights(ServerRights.Master, DomainAdminRights.None));
    }

    public Task DisposeAsync()
    {
        _stores.Dispose();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private Task SetSetting(AccountAddress account, string key, string? value) => _accounts.SetSettingAsync(SettingScope.ForAccount(account), key, value);

    private string AliceRoot => Path.Combine(_folder.Path, "files", "domain.dom", "alice");

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    private Task<bool> Put(string path, string text, Principal? principal = null) => _store.WriteAsync(principal ?? AsAlice, Alice, path, Text(text));

    private async Task<string> Get(string path, Principal? principal = null)
    {
        await using var stream = await _store.OpenReadAsync(principal ?? AsAlice, Alice, path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<FileStoreError> ErrorOf(Func<Task> action) => (await Assert.ThrowsAsync<FileStoreException>(action)).Error;

    // --- paths (http-files.md §7) ---

    [Theory]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData(".")]
    [InlineData("a/./b")]
    [InlineData("/abs")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("..\\x")]
    [InlineData("a\u0000b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007fb")]
    [InlineData("new\nline")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    public async Task Unsafe_paths_are_bad_paths(string path)
    {
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(path, "x")));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => _store.GetInfoAsync(AsAlice, Alice, path)));
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "files", "domain.dom", "b")));
    }

    [Fact]
    public async Task A_lone_surrogate_is_a_bad_path()
    {
        // Built at run time: xunit would turn an attribute's lone surrogate into U+FFFD.
        var path = "bad" + (char)0xD800 + "name";

        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(path, "x")));
    }

    [Fact]
    public async Task Length_and_depth_limits()
    {
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(new string('a', 256), "x")));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(new string('é', 128), "x"))); // 256 bytes in UTF-8
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(string.Join('/', Enumerable.Repeat(new string('a', 100), 11)), "x"))); // > 1,024 bytes
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put(string.Join('/', Enumerable.Repeat("d", 18)), "x"))); // 17 folders deep

        Assert.True(await Put(new string('a', 255), "x"));
    }

    [Fact]
    public async Task The_root_is_not_a_file()
    {
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => Put("", "x")));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => _store.DeleteAsync(AsAlice, Alice, "")));
    }

    [Theory]
    [InlineData("index.wssp")]
    [InlineData("INDEX.WSSP")]
    [InlineData("pics/Index.Wssp")]
    [InlineData("index.wssp/inside")]
    public async Task Index_wssp_is_reserved_everywhere(string path)
    {
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => Put(path, "x")));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.CreateFolderAsync(AsAlice, Alice, path)));
    }

    [Fact]
    public async Task Odd_but_safe_names_are_ordinary_files()
    {
        Assert.True(await Put("%2e%2e", "encoded dots"));
        Assert.True(await Put(".hidden", "dot file"));
        await _store.CreateFolderAsync(AsAlice, Alice, "docs/");

        Assert.Equal("encoded dots", await Get("%2e%2e"));
        Assert.Equal(["%2e%2e", ".hidden", "docs"], (await _store.ListAsync(AsAlice, Alice, "")).Select(e => e.Path));
    }

    // --- files and folders ---

    [Fact]
    public async Task Write_creates_then_replaces_and_reads_back()
    {
        Assert.True(await Put("notes.txt", "first"));
        Assert.False(await Put("notes.txt", "second, longer"));

        Assert.Equal("second, longer", await Get("notes.txt"));
        var info = await _store.GetInfoAsync(AsAlice, Alice, "notes.txt");
        Assert.NotNull(info);
        Assert.Equal(("notes.txt", false, 14L), (info.Path, info.IsFolder, info.Size));
        Assert.StartsWith("\"", info.ETag);
        Assert.True(File.Exists(Path.Combine(AliceRoot, "notes.txt")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder.Path, "files", ".tmp")));
    }

    [Fact]
    public async Task The_etag_changes_when_the_content_does()
    {
        await Put("a.txt", "one");
        var before = (await _store.GetInfoAsync(AsAlice, Alice, "a.txt"))!.ETag;
        await Put("a.txt", "three");

        Assert.NotEqual(before, (await _store.GetInfoAsync(AsAlice, Alice, "a.txt"))!.ETag);
    }

    [Fact]
    public async Task Folders_list_and_report_info()
    {
        await _store.CreateFolderAsync(AsAlice, Alice, "pics");
        await Put("pics/a.png", "png");
        await Put("pics/b.png", "png!");
        await Put("default.html", "<h1>hi</h1>");

        var root = await _store.ListAsync(AsAlice, Alice, "");
        Assert.Equal([("default.html", false), ("pics", true)], root.Select(e => (e.Path, e.IsFolder)));
        var pics = await _store.ListAsync(AsBob, Alice, "pics/");
        Assert.Equal([("pics/a.png", 3L), ("pics/b.png", 4L)], pics.Select(e => (e.Path, e.Size)));
        Assert.True((await _store.GetInfoAsync(AsAlice, Alice, "pics"))!.IsFolder);
        Assert.True((await _store.GetInfoAsync(AsAlice, Alice, ""))!.IsFolder);
        Assert.Null(await _store.GetInfoAsync(AsAlice, Alice, "nothing"));
    }

    [Fact]
    public async Task A_new_account_has_an_empty_root()
    {
        Assert.Empty(await _store.ListAsync(AsAlice, Alice, ""));
        Assert.Equal(new FileStoreUsage(0, 0, null, null), await _store.GetUsageAsync(AsAlice, Alice));
    }

    [Fact]
    public async Task Missing_parents_wrong_types_and_existing_names()
    {
        await Put("file.txt", "x");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");

        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => Put("missing/a.txt", "x")));
        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => Put("file.txt/a.txt", "x")));
        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => _store.CreateFolderAsync(AsAlice, Alice, "missing/sub")));
        Assert.Equal(FileStoreError.Exists, await ErrorOf(() => Put("docs", "x")));
        Assert.Equal(FileStoreError.Exists, await ErrorOf(() => _store.CreateFolderAsync(AsAlice, Alice, "docs")));
        Assert.Equal(FileStoreError.Exists, await ErrorOf(() => _store.CreateFolderAsync(AsAlice, Alice, "file.txt")));
        Assert.Equal(FileStoreError.NotFound, await ErrorOf(() => Get("nothing.txt")));
        Assert.Equal(FileStoreError.NotFound, await ErrorOf(() => _store.ListAsync(AsAlice, Alice, "nothing")));
        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => _store.ListAsync(AsAlice, Alice, "file.txt")));
        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => Get("docs")));
        Assert.Equal(FileStoreError.NotFound, await ErrorOf(() => _store.DeleteAsync(AsAlice, Alice, "nothing")));
    }

    [Fact]
    public async Task Unknown_or_malformed_owner()
    {
        var nobody = new AccountAddress("nobody", "domain.dom");
        Assert.Equal(FileStoreError.NotFound, await ErrorOf(() => _store.ListAsync(Principal.System, nobody, "")));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => _store.ListAsync(Principal.System, new AccountAddress("..", "domain.dom"), "")));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => _store.ListAsync(Principal.System, new AccountAddress("x", "../etc"), "")));
    }

    [Fact]
    public async Task Delete_removes_a_file_or_a_whole_folder()
    {
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs/deep");
        await Put("docs/deep/a.txt", "x");
        await Put("keep.txt", "x");

        await _store.DeleteAsync(AsAlice, Alice, "docs");
        await _store.DeleteAsync(AsAlice, Alice, "keep.txt");

        Assert.Empty(await _store.ListAsync(AsAlice, Alice, ""));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder.Path, "files", ".tmp")));
    }

    [Fact]
    public async Task Move_renames_and_honours_overwrite()
    {
        await Put("a.txt", "A");
        await Put("b.txt", "B");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");

        await _store.MoveAsync(AsAlice, Alice, "a.txt", "docs/renamed.txt", overwrite: false);
        Assert.Equal("A", await Get("docs/renamed.txt"));
        Assert.Null(await _store.GetInfoAsync(AsAlice, Alice, "a.txt"));

        Assert.Equal(FileStoreError.Exists, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "b.txt", "docs/renamed.txt", overwrite: false)));
        await _store.MoveAsync(AsAlice, Alice, "b.txt", "docs/renamed.txt", overwrite: true);
        Assert.Equal("B", await Get("docs/renamed.txt"));

        await _store.MoveAsync(AsAlice, Alice, "docs", "papers", overwrite: false);
        Assert.Equal("B", await Get("papers/renamed.txt"));
    }

    [Fact]
    public async Task Move_refusals()
    {
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs/sub");
        await Put("docs/sub/x.txt", "x");

        Assert.Equal(FileStoreError.NotFound, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "nothing", "other", false)));
        Assert.Equal(FileStoreError.Conflict, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs", "missing/docs", false)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs", "docs", true)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs", "docs/sub/inside", false)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs/sub", "docs", true)));
        Assert.Equal(FileStoreError.BadPath, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs", "../bob/docs", false)));
        Assert.Equal("x", await Get("docs/sub/x.txt"));
    }

    // --- who may do what (http-files.md §5.1) ---

    public static TheoryData<string, bool> Managers => new()
    {
        { "alice@domain.dom", true },      // the owner
        { "ops@main.dom", true },          // All Users
        { "postmaster@main.dom", true },   // Master
        { "dweb@domain.dom", true },       // Domain Administrator + CanAccessWebSites
        { "dmail@domain.dom", false },     // Domain Administrator + CanAccessMailboxes only
        { "oweb@other.dom", false },       // a web administrator of another domain
        { "bob@domain.dom", false },       // someone else
    };

    [Theory]
    [MemberData(nameof(Managers))]
    public async Task Writes_and_private_reads_need_the_owner_or_an_administrator(string who, bool allowed)
    {
        AccountAddress.TryParse(who, null, out var account);
        var principal = Principal.User(account!);
        await _store.CreateFolderAsync(AsAlice, Alice, "private");
        await Put("private/cv.pdf", "cv");
        await Put("public.txt", "hello");

        // Reads outside private need nothing.
        Assert.Equal("hello", await Get("public.txt", principal));

        async Task Check(Func<Task> action)
        {
            if (allowed) await action();
            else Assert.Equal(FileStoreError.Forbidden, await ErrorOf(action));
        }

        await Check(() => Get("private/cv.pdf", principal));
        await Check(() => _store.ListAsync(principal, Alice, "private"));
        await Check(() => _store.GetInfoAsync(principal, Alice, "PRIVATE/cv.pdf"));
        await Check(() => _store.WriteAsync(principal, Alice, "new.txt", Text("x")));
        await Check(() => _store.CreateFolderAsync(principal, Alice, "folder"));
        await Check(() => _store.MoveAsync(principal, Alice, "public.txt", "moved.txt", false));
        await Check(() => _store.GetUsageAsync(principal, Alice));
        await Check(() => _store.DeleteAsync(principal, Alice, allowed ? "moved.txt" : "public.txt"));
    }

    [Fact]
    public async Task The_system_may_do_everything()
    {
        Assert.True(await _store.WriteAsync(Principal.System, Alice, "a.txt", Text("x")));
        await _store.CreateFolderAsync(Principal.System, Alice, "Private");
        await _store.WriteAsync(Principal.System, Alice, "Private/b.txt", Text("y"));

        Assert.Equal("y", await Get("Private/b.txt", Principal.System));
    }

    [Fact]
    public async Task Private_is_private_in_any_case()
    {
        await _store.CreateFolderAsync(AsAlice, Alice, "PRIVATE");
        await Put("PRIVATE/x.txt", "x");

        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => Get("PRIVATE/x.txt", AsBob)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.GetInfoAsync(AsBob, Alice, "PRIVATE")));
        // A folder called private lower down is an ordinary folder.
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs/private");
        await Put("docs/private/y.txt", "y");
        Assert.Equal("y", await Get("docs/private/y.txt", AsBob));
    }

    [Theory]
    [InlineData("private")]
    [InlineData("Private")]
    public async Task The_private_folder_cannot_be_deleted_renamed_moved_or_replaced(string name)
    {
        await _store.CreateFolderAsync(AsAlice, Alice, name);
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");

        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.DeleteAsync(AsAlice, Alice, name)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, name, "public", false)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, name, "docs/private", false)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.MoveAsync(AsAlice, Alice, "docs", name, true)));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.DeleteAsync(Principal.System, Alice, name)));
        Assert.True((await _store.GetInfoAsync(AsAlice, Alice, name))!.IsFolder);
    }

    [Fact]
    public async Task Rights_are_read_again_on_every_call()
    {
        var helper = new AccountAddress("helper", "domain.dom");
        await _accounts.EnsureAccountAsync(helper);
        await _accounts.SetAdminRightsAsync(helper, new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessWebSites));
        Assert.True(await _store.WriteAsync(Principal.User(helper), Alice, "a.txt", Text("x")));

        // Changed in the real store, not in a cache: the next call must see it (the fake used to count look-ups).
        await _accounts.SetAdminRightsAsync(helper, AdminRights.None);

        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => _store.WriteAsync(Principal.User(helper), Alice, "b.txt", Text("x"))));
        await _accounts.SetAdminRightsAsync(helper, new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessWebSites));
        Assert.True(await _store.WriteAsync(Principal.User(helper), Alice, "c.txt", Text("x")));
    }

    // --- limits (http-files.md §8) ---

    [Fact]
    public async Task Byte_limit_counts_the_difference_on_replace()
    {
        await SetSetting(Alice, SettingKeys.FileQuotaBytes, "10");
        await Put("a.txt", "12345678");

        Assert.Equal(FileStoreError.OverQuota, await ErrorOf(() => Put("b.txt", "12345")));
        Assert.Null(await _store.GetInfoAsync(AsAlice, Alice, "b.txt"));
        Assert.False(await Put("a.txt", "1234567890")); // 10 replaces 8: exactly at the limit
        Assert.Equal(FileStoreError.OverQuota, await ErrorOf(() => Put("a.txt", "12345678901")));
        Assert.Equal("1234567890", await Get("a.txt"));
        Assert.Equal(new FileStoreUsage(1, 10, null, 10), await _store.GetUsageAsync(AsAlice, Alice));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder.Path, "files", ".tmp")));
    }

    [Fact]
    public async Task Item_limit_counts_files_and_folders()
    {
        await SetSetting(Alice, SettingKeys.FileQuotaItems, "2");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");
        await Put("docs/a.txt", "x");

        Assert.Equal(FileStoreError.OverQuota, await ErrorOf(() => Put("b.txt", "x")));
        Assert.Equal(FileStoreError.OverQuota, await ErrorOf(() => _store.CreateFolderAsync(AsAlice, Alice, "more")));
        Assert.False(await Put("docs/a.txt", "replacing adds no item"));
        Assert.Equal(new FileStoreUsage(2, 22, 2, null), await _store.GetUsageAsync(AsAlice, Alice));
    }

    [Fact]
    public async Task Unlimited_means_no_limit()
    {
        await SetSetting(Alice, SettingKeys.FileQuotaBytes, "Unlimited");
        await SetSetting(Alice, SettingKeys.FileQuotaItems, "unlimited");

        await Put("a.txt", new string('x', 1000));

        Assert.Equal(new FileStoreUsage(1, 1000, null, null), await _store.GetUsageAsync(AsAlice, Alice));
    }

    [Fact]
    public async Task An_endless_upload_stops_at_the_limit()
    {
        await SetSetting(Alice, SettingKeys.FileQuotaBytes, "100000");

        Assert.Equal(FileStoreError.OverQuota, await ErrorOf(() => _store.WriteAsync(AsAlice, Alice, "big.bin", new EndlessStream())));

        Assert.Null(await _store.GetInfoAsync(AsAlice, Alice, "big.bin"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder.Path, "files", ".tmp")));
    }

    [Fact]
    public async Task A_failed_upload_leaves_the_previous_file()
    {
        await Put("a.txt", "previous");

        await Assert.ThrowsAsync<IOException>(() => _store.WriteAsync(AsAlice, Alice, "a.txt", new FailingStream()));

        Assert.Equal("previous", await Get("a.txt"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_folder.Path, "files", ".tmp")));
    }

    [Fact]
    public async Task Concurrent_writes_never_pass_the_item_limit()
    {
        await SetSetting(Alice, SettingKeys.FileQuotaItems, "5");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try { await Put($"f{i}.txt", "x"); return true; }
            catch (FileStoreException e) when (e.Error == FileStoreError.OverQuota) { return false; }
        })));

        Assert.Equal(5, results.Count(ok => ok));
        Assert.Equal(5, (await _store.ListAsync(AsAlice, Alice, "")).Count);
    }

    // --- symbolic links are never followed ---

    [Fact]
    public async Task Symbolic_links_are_not_followed_listed_or_counted()
    {
        var outside = Path.Combine(_folder.Path, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "secret");
        await _store.CreateFolderAsync(AsAlice, Alice, "docs");
        Directory.CreateSymbolicLink(Path.Combine(AliceRoot, "docs", "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(AliceRoot, "link.txt"), Path.Combine(outside, "secret.txt"));

        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => Get("docs/escape/secret.txt")));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => Put("docs/escape/new.txt", "x")));
        Assert.Equal(FileStoreError.Forbidden, await ErrorOf(() => Get("link.txt")));
        Assert.Equal(["docs"], (await _store.ListAsync(AsAlice, Alice, "")).Select(e => e.Path));
        Assert.Empty(await _store.ListAsync(AsAlice, Alice, "docs"));
        Assert.Equal(new FileStoreUsage(1, 0, null, null), await _store.GetUsageAsync(AsAlice, Alice));

        await _store.DeleteAsync(AsAlice, Alice, "docs");

        Assert.Equal("secret", File.ReadAllText(Path.Combine(outside, "secret.txt")));
        Assert.False(File.Exists(Path.Combine(outside, "new.txt")));
    }

    // --- account lifecycle ---

    [Fact]
    public async Task Removing_the_account_removes_its_files_only()
    {
        await Put("a.txt", "x");
        await _store.WriteAsync(AsBob, Bob, "b.txt", Text("y"));
        IAccountLifecycle lifecycle = _store;

        using (var connection = _database.Open())
        using (var tx = connection.BeginTransaction())
        {
            await lifecycle.OnRemovingAsync(new SqliteStoreTransaction(connection, tx), Alice, CancellationToken.None);
            tx.Commit();
        }
        await lifecycle.OnRemovedAsync(Alice, CancellationToken.None);

        Assert.False(Directory.Exists(AliceRoot));
        Assert.Empty(await _store.ListAsync(AsAlice, Alice, ""));
        Assert.Single(await _store.ListAsync(AsBob, Bob, ""));
        await lifecycle.OnRemovedAsync(Alice, CancellationToken.None); // again: nothing left to remove, no error
    }

    [Fact]
    public async Task Files_survive_a_new_store_on_the_same_folder()
    {
        await Put("a.txt", "kept");

        var reopened = new DiskFileStore(new SqliteDatabase(_folder.Path), _accounts);

        await using var stream = await reopened.OpenReadAsync(AsBob, Alice, "a.txt");
        Assert.Equal("kept", await new StreamReader(stream).ReadToEndAsync());
    }

    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) { Array.Fill(buffer, (byte)'x', offset, count); return count; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class FailingStream : Stream
    {
        private int _reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_reads++ > 0) throw new IOException("connection reset");
            Array.Fill(buffer, (byte)'y', offset, count);
            return count;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
