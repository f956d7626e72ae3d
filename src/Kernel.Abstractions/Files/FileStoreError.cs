namespace Kernel.Abstractions;

/// <summary>Maps onto HTTP/WebDAV codes: NotFound 404, Forbidden 403, Conflict 409 (missing parent), Exists 405, BadPath 400, OverQuota 507.</summary>
public enum FileStoreError
{
    NotFound,
    Forbidden,
    Conflict,
    Exists,
    BadPath,
    OverQuota,
}
