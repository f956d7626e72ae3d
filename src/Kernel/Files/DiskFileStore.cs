using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;
using Microsoft.Data.Sqlite;

namespace Kernel.Files;

/// <summary>
/// Each account's File Storage on disk under <c>&lt;data&gt;/files/&lt;domain&gt;/&lt;name&gt;/</c> (http-files.md §1, §5–§8,
/// §12). Paths are validated by <see cref="StoragePath"/>; the store never follows or creates symbolic links below an
/// account's root. Reads outside <c>private</c> need nothing; reads inside it, every write and the usage need the owner,
/// a server administrator with All Users (or Master), or a Domain Administrator of the owner's domain with
/// CanAccessWebSites — rights are read from <see cref="IAccountStore"/> on every call so a revocation counts at once.
/// Writes go to a temporary file, are fsynced and renamed into place, so a reader sees the old file or the new one.
/// Limits (<see cref="SettingKeys.FileQuotaBytes"/>, <see cref="SettingKeys.FileQuotaItems"/>; absent or
/// <c>unlimited</c> = none) are checked before a change commits, under a per-account lock; usage is counted from the
/// tree itself, so it can never drift from what is on disk.
/// </summary>
public sealed class DiskFileStore : IFileStore, IAccountLifecycle
{
    private const int CopyBufferSize = 81920;
    private static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromHours(1);

    // Symbolic links are neither listed, counted nor entered; hidden files (names starting with '.') are ordinary files.
    private static readonly EnumerationOptions Walk = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = true,
        ReturnSpecialDirectories = false,
    };

    private readonly string _root;
    private readonly string _tmp;
    private readonly IAccountStore _accounts;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _accountLocks = new(StringComparer.Ordinal);

    public DiskFileStore(SqliteDatabase database, IAccountStore accounts)
    {
        _accounts = accounts;
        _root = Path.Combine(database.DataDirectory, "files");
        // Temporary files live beside the trees (same file system, so rename is atomic) under a name no domain can have.
        _tmp = Path.Combine(_root, ".tmp");
        Directory.CreateDirectory(_tmp);
        SweepTemporaryFiles();
    }

    public async Task<FileEntry?> GetInfoAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default)
    {
        var target = StoragePath.Parse(path, allowRoot: true);
        var root = await OpenAccountAsync(principal, owner, needsManage: target.IsPrivate, cancellationToken);
        if (target.IsRoot)
            return Directory.Exists(root) ? Entry(target, new DirectoryInfo(root)) : new FileEntry("", true, 0, DateTimeOffset.UnixEpoch, "\"d-0\"");
        var full = Resolve(root, target);
        return Info(full) switch
        {
            FileInfo file => Entry(target, file),
            DirectoryInfo folder => Entry(target, folder),
            _ => null,
        };
    }

    public async Task<IReadOnlyList<FileEntry>> ListAsync(Principal principal, AccountAddress owner, string folder, CancellationToken cancellationToken = default)
    {
        var target = StoragePath.Parse(folder, allowRoot: true);
        var root = await OpenAccountAsync(principal, owner, needsManage: target.IsPrivate, cancellationToken);
        string full;
        if (target.IsRoot)
        {
            if (!Directory.Exists(root)) return [];
            full = root;
        }
        else
        {
            full = Resolve(root, target);
            switch (Info(full))
            {
                case null: throw NotFound(target);
                case FileInfo: throw new FileStoreException(FileStoreError.Conflict, $"{target} is a file, not a folder");
            }
        }
        var entries = new List<FileEntry>();
        foreach (var item in new DirectoryInfo(full).EnumerateFileSystemInfos("*", Walk))
        {
            if (item.LinkTarget is not null) continue;
            // A name the store would refuse (put there by other means) is not offered: it could not be used anyway.
            if (!IsUsableName(item.Name)) continue;
            entries.Add(item is FileInfo file ? Entry(target.Child(item.Name), file) : Entry(target.Child(item.Name), (DirectoryInfo)item));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return entries;
    }

    public async Task<Stream> OpenReadAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default)
    {
        var target = StoragePath.Parse(path, allowRoot: false);
        var root = await OpenAccountAsync(principal, owner, needsManage: target.IsPrivate, cancellationToken);
        var full = Resolve(root, target);
        switch (Info(full))
        {
            case null: throw NotFound(target);
            case DirectoryInfo: throw new FileStoreException(FileStoreError.Conflict, $"{target} is a folder, not a file");
        }
        try
        {
            // FileShare.Delete: a concurrent replace (rename over) or delete must not fail because someone is reading.
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw NotFound(target);
        }
    }

    public async Task<bool> WriteAsync(Principal principal, AccountAddress owner, string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var target = StoragePath.Parse(path, allowRoot: false);
        var root = await OpenAccountAsync(principal, owner, needsManage: true, cancellationToken);
        var full = Resolve(root, target);
        RequireParentFolder(root, target);
        var limits = await ReadLimitsAsync(owner, cancellationToken);

        // Bytes still allowed before the copy, so an endless upload is cut off at the limit instead of filling the disk.
        long? allowance = null;
        if (limits.Bytes is { } byteLimit)
        {
            var usage = Measure(root);
            var old = Info(full) is FileInfo existing ? existing.Length : 0;
            allowance = byteLimit - (usage.Bytes - old);
        }

        var temporary = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        try
        {
            long written;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous))
            {
                written = await CopyLimitedAsync(content, file, allowance, target, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true); // fsync before the rename makes the new content visible
            }

            var gate = Gate(root);
            await gate.WaitAsync(cancellationToken);
            try
            {
                // Checked again under the lock: another write may have changed the tree while this one copied.
                RequireParentFolder(root, target);
                var existing = Info(full);
                if (existing is DirectoryInfo) throw new FileStoreException(FileStoreError.Exists, $"{target} is a folder");
                var created = existing is null;
                if (limits.Any)
                {
                    var usage = Measure(root);
                    var old = existing is FileInfo f ? f.Length : 0;
                    if (limits.Bytes is { } bytes && usage.Bytes - old + written > bytes)
                        throw OverQuota(target, $"would use {usage.Bytes - old + written} of {bytes} bytes");
                    if (created && limits.Items is { } items && usage.Items + 1 > items)
                        throw OverQuota(target, $"would hold {usage.Items + 1} of {items} files and folders");
                }
                File.Move(temporary, full, overwrite: true);
                DirectorySync.Flush(Path.GetDirectoryName(full)!);
                return created;
            }
            finally
            {
                gate.Release();
            }
        }
        finally
        {
            TryDeleteFile(temporary);
        }
    }

    public async Task CreateFolderAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default)
    {
        var target = StoragePath.Parse(path, allowRoot: false);
        if (target.Segments.Count > StoragePath.MaxFolderDepth) throw new FileStoreException(FileStoreError.BadPath, $"bad path: more than {StoragePath.MaxFolderDepth} folders deep");
        var root = await OpenAccountAsync(principal, owner, needsManage: true, cancellationToken);
        var full = Resolve(root, target);
        var limits = await ReadLimitsAsync(owner, cancellationToken);

        var gate = Gate(root);
        await gate.WaitAsync(cancellationToken);
        try
        {
            RequireParentFolder(root, target);
            if (Info(full) is not null) throw new FileStoreException(FileStoreError.Exists, $"{target} exists");
            if (limits.Items is { } items && Measure(root).Items + 1 > items)
                throw OverQuota(target, $"would hold more than {items} files and folders");
            Directory.CreateDirectory(full);
            DirectorySync.Flush(Path.GetDirectoryName(full)!);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task DeleteAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default)
    {
        var target = StoragePath.Parse(path, allowRoot: false);
        if (target.IsPrivateFolder) throw new FileStoreException(FileStoreError.Forbidden, "the private folder cannot be deleted");
        var root = await OpenAccountAsync(principal, owner, needsManage: true, cancellationToken);
        var full = Resolve(root, target);

        var gate = Gate(root);
        await gate.WaitAsync(cancellationToken);
        try
        {
            switch (Info(full))
            {
                case null:
                    throw NotFound(target);
                case FileInfo:
                    File.Delete(full);
                    break;
                default:
                    // Renamed out of the tree first, so the folder disappears at once and whole; then emptied.
                    var trash = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
                    Directory.Move(full, trash);
                    DeleteTree(trash);
                    break;
            }
            DirectorySync.Flush(Path.GetDirectoryName(full)!);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task MoveAsync(Principal principal, AccountAddress owner, string from, string to, bool overwrite, CancellationToken cancellationToken = default)
    {
        var source = StoragePath.Parse(from, allowRoot: false);
        var destination = StoragePath.Parse(to, allowRoot: false);
        if (source.IsPrivateFolder || destination.IsPrivateFolder)
            throw new FileStoreException(FileStoreError.Forbidden, "the private folder cannot be renamed, moved or replaced");
        // RFC 4918 §9.9.4: source and destination the same resource → 403; a folder cannot go inside itself either.
        if (source.Contains(destination))
            throw new FileStoreException(FileStoreError.Forbidden, $"cannot move {source} onto itself or into itself");
        var root = await OpenAccountAsync(principal, owner, needsManage: true, cancellationToken);
        var sourceFull = Resolve(root, source);
        var destinationFull = Resolve(root, destination);

        var gate = Gate(root);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var moving = Info(sourceFull) ?? throw NotFound(source);
            RequireParentFolder(root, destination);
            var existing = Info(destinationFull);
            string? trash = null;
            if (existing is not null)
            {
                if (!overwrite) throw new FileStoreException(FileStoreError.Exists, $"{destination} exists");
                if (destination.Contains(source))
                    throw new FileStoreException(FileStoreError.Forbidden, $"cannot replace {destination}, which holds {source}");
                // RFC 4918 §9.9.3: the destination is removed first. Set aside, so a failed move can put it back.
                trash = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
                Move(existing, trash);
            }
            try
            {
                Move(moving, destinationFull);
            }
            catch
            {
                if (trash is not null) Move(Info(trash)!, destinationFull);
                throw;
            }
            DirectorySync.Flush(Path.GetDirectoryName(sourceFull)!);
            DirectorySync.Flush(Path.GetDirectoryName(destinationFull)!);
            if (trash is not null)
            {
                if (existing is FileInfo) File.Delete(trash);
                else DeleteTree(trash);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<FileStoreUsage> GetUsageAsync(Principal principal, AccountAddress owner, CancellationToken cancellationToken = default)
    {
        var root = await OpenAccountAsync(principal, owner, needsManage: true, cancellationToken);
        var limits = await ReadLimitsAsync(owner, cancellationToken);
        var usage = Measure(root);
        return new FileStoreUsage(usage.Items, usage.Bytes, limits.Items is { } items ? (int)Math.Min(items, int.MaxValue) : null, limits.Bytes);
    }

    // The storage root is made by the first write.
    Task IAccountLifecycle.OnCreatingAsync(IStoreTransaction transaction, AccountAddress account, AccountTemplateLists template, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    // No rows: the files go once the removal has committed (OnRemovedAsync).
    Task IAccountLifecycle.OnRemovingAsync(IStoreTransaction transaction, AccountAddress account, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    Task IAccountLifecycle.OnRemovedAsync(AccountAddress account, CancellationToken cancellationToken)
    {
        RemoveAccountTree(account);
        return Task.CompletedTask;
    }

    private void RemoveAccountTree(AccountAddress account)
    {
        if (!ObjectName.IsValid(account.Name) || !DomainName.IsValid(account.Domain)) return;
        var root = AccountRoot(account);
        if (!Directory.Exists(root)) return;
        // Out of the tree in one rename (a new account of the same name starts empty), then deleted.
        var trash = Path.Combine(_tmp, Guid.NewGuid().ToString("N"));
        Directory.Move(root, trash);
        DirectorySync.Flush(Path.GetDirectoryName(root)!);
        DeleteTree(trash);
    }

    /// <summary>Validates the owner, checks that it exists and that the principal may do this; returns its root folder.</summary>
    private async Task<string> OpenAccountAsync(Principal principal, AccountAddress owner, bool needsManage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(owner);
        if (!ObjectName.IsValid(owner.Name) || !DomainName.IsValid(owner.Domain))
            throw new FileStoreException(FileStoreError.BadPath, $"bad account name {owner}");
        if (await _accounts.GetAccountAsync(owner, cancellationToken) is null)
            throw new FileStoreException(FileStoreError.NotFound, $"no account {owner}");
        if (needsManage && !await MayManageAsync(principal, owner, cancellationToken))
            throw new FileStoreException(FileStoreError.Forbidden, $"{principal} may not do this in the file storage of {owner}");
        return AccountRoot(owner);
    }

    // http-files.md §5.1: the owner; All Users (6.x: All Domains) or Master; a Domain Administrator of the owner's
    // domain with CanAccessWebSites. Mailbox rights (CanAccessMailboxes) give nothing here (mailboxes.md §10).
    private async Task<bool> MayManageAsync(Principal principal, AccountAddress owner, CancellationToken cancellationToken)
    {
        if (principal.Kind == PrincipalKind.System) return true;
        var account = principal.Account;
        if (account is null) return false;
        if (account == owner) return true;
        var rights = await _accounts.GetAdminRightsAsync(account, cancellationToken);
        if ((rights.Server & (ServerRights.AllUsers | ServerRights.Master)) != 0) return true;
        const DomainAdminRights webAdmin = DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessWebSites;
        return account.Domain == owner.Domain && (rights.Domain & webAdmin) == webAdmin;
    }

    private async Task<Limits> ReadLimitsAsync(AccountAddress owner, CancellationToken cancellationToken)
    {
        var scope = SettingScope.ForAccount(owner);
        var bytes = ParseLimit(SettingKeys.FileQuotaBytes, await _accounts.GetSettingAsync(scope, SettingKeys.FileQuotaBytes, cancellationToken));
        var items = ParseLimit(SettingKeys.FileQuotaItems, await _accounts.GetSettingAsync(scope, SettingKeys.FileQuotaItems, cancellationToken));
        return new Limits(items, bytes);
    }

    private static long? ParseLimit(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value.Trim(), "unlimited", StringComparison.OrdinalIgnoreCase)) return null;
        if (long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit)) return limit;
        throw new InvalidOperationException($"setting {key}: '{value}' is neither a number nor 'unlimited'");
    }

    private string AccountRoot(AccountAddress account) => Path.Combine(_root, account.Domain, account.Name);

    /// <summary>The absolute path of <paramref name="path"/>; refuses a symbolic link anywhere from the account root down.</summary>
    private static string Resolve(string root, StoragePath path)
    {
        var full = path.Segments.Aggregate(root, Path.Combine);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal)) throw new FileStoreException(FileStoreError.BadPath, "bad path: leaves the storage");
        var current = root;
        for (var i = -1; i < path.Segments.Count; i++)
        {
            if (i >= 0) current = Path.Combine(current, path.Segments[i]);
            if (new FileInfo(current).LinkTarget is not null)
                throw new FileStoreException(FileStoreError.Forbidden, $"{path} goes through a symbolic link");
        }
        return full;
    }

    /// <summary>The file or folder at a path, not following a link; null when nothing is there.</summary>
    private static FileSystemInfo? Info(string full)
    {
        var file = new FileInfo(full);
        if (file.LinkTarget is not null) return null;
        if (file.Exists) return file;
        var folder = new DirectoryInfo(full);
        return folder.Exists ? folder : null;
    }

    private static void RequireParentFolder(string root, StoragePath target)
    {
        if (target.Segments.Count == 1)
        {
            Directory.CreateDirectory(root);
            return;
        }
        if (Info(Resolve(root, target.Parent)) is not DirectoryInfo)
            throw new FileStoreException(FileStoreError.Conflict, $"folder {target.Parent} does not exist");
    }

    private static async Task<long> CopyLimitedAsync(Stream source, Stream destination, long? allowance, StoragePath target, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                total += read;
                if (allowance is { } allowed && total > allowed) throw OverQuota(target, "the upload passed the storage limit");
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Files plus folders and the bytes of the files below <paramref name="root"/>; links are neither counted nor entered.</summary>
    private static (int Items, long Bytes) Measure(string root)
    {
        if (!Directory.Exists(root)) return (0, 0);
        int items = 0;
        long bytes = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.Count > 0)
        {
            foreach (var item in pending.Pop().EnumerateFileSystemInfos("*", Walk))
            {
                if (item.LinkTarget is not null) continue;
                items++;
                if (item is FileInfo file) bytes += file.Length;
                else pending.Push((DirectoryInfo)item);
            }
        }
        return (items, bytes);
    }

    private static void Move(FileSystemInfo item, string destination)
    {
        if (item is FileInfo) File.Move(item.FullName, destination);
        else Directory.Move(item.FullName, destination);
    }

    /// <summary>Deletes a folder tree; a symbolic link inside is removed itself, never followed.</summary>
    private static void DeleteTree(string folder)
    {
        foreach (var item in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            if (item.LinkTarget is not null || item is FileInfo) item.Delete();
            else DeleteTree(item.FullName);
        }
        Directory.Delete(folder);
    }

    private static bool IsUsableName(string name)
    {
        try
        {
            StoragePath.Parse(name, allowRoot: false);
            return true;
        }
        catch (FileStoreException)
        {
            return false;
        }
    }

    private SemaphoreSlim Gate(string root) => _accountLocks.GetOrAdd(root, _ => new SemaphoreSlim(1, 1));

    private void SweepTemporaryFiles()
    {
        var cutoff = DateTime.UtcNow - StaleTemporaryAge;
        foreach (var item in new DirectoryInfo(_tmp).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            if (item.LastWriteTimeUtc > cutoff) continue;
            try
            {
                if (item is DirectoryInfo && item.LinkTarget is null) DeleteTree(item.FullName);
                else item.Delete();
            }
            catch (IOException) { /* another process is still using it; the next start tries again */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    private static FileEntry Entry(StoragePath path, FileInfo file)
    {
        var modified = new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero);
        // Size and modification time change with every replace (rename of a new inode), which is what an ETag must track.
        return new FileEntry(path.Text, false, file.Length, modified, $"\"{file.Length:x}-{modified.UtcTicks:x}\"");
    }

    private static FileEntry Entry(StoragePath path, DirectoryInfo folder)
    {
        var modified = new DateTimeOffset(folder.LastWriteTimeUtc, TimeSpan.Zero);
        return new FileEntry(path.Text, true, 0, modified, $"\"d-{modified.UtcTicks:x}\"");
    }

    private static FileStoreException NotFound(StoragePath path) => new(FileStoreError.NotFound, $"{path} does not exist");

    private static FileStoreException OverQuota(StoragePath path, string reason) => new(FileStoreError.OverQuota, $"{path}: over the storage limit ({reason})");

    private sealed record Limits(long? Items, long? Bytes)
    {
        public bool Any => Items is not null || Bytes is not null;
    }
}
