namespace Kernel.Abstractions;

/// <summary>
/// Each account's File Storage (http-files.md §1, §5). Paths are '/'-separated and relative to the account's root;
/// the store refuses '..', empty or control-character segments and the reserved name <c>index.wssp</c>. Reads outside
/// <c>private</c> need nothing (the HTTP plugin decides public access); reads inside it and every write need the
/// owner, an All Users server administrator, or a Domain Administrator with CanAccessWebSites. Failures throw
/// <see cref="FileStoreException"/>.
/// </summary>
public interface IFileStore
{
    /// <summary>Null when the path does not exist.</summary>
    Task<FileEntry?> GetInfoAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<FileEntry>> ListAsync(Principal principal, AccountAddress owner, string folder, CancellationToken cancellationToken = default);

    Task<Stream> OpenReadAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a file atomically (temp name, fsync, rename); the parent must exist. Returns true when it was created.</summary>
    Task<bool> WriteAsync(Principal principal, AccountAddress owner, string path, Stream content, CancellationToken cancellationToken = default);

    Task CreateFolderAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default);

    /// <summary>Removes a file, or a folder with everything in it.</summary>
    Task DeleteAsync(Principal principal, AccountAddress owner, string path, CancellationToken cancellationToken = default);

    Task MoveAsync(Principal principal, AccountAddress owner, string from, string to, bool overwrite, CancellationToken cancellationToken = default);

    /// <summary>Files plus folders, bytes used, and the account's limits (null = unlimited).</summary>
    Task<FileStoreUsage> GetUsageAsync(Principal principal, AccountAddress owner, CancellationToken cancellationToken = default);
}
