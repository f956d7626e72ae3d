namespace Kernel.Abstractions;

/// <summary>A file or folder; <see cref="Path"/> is relative to the account's root.</summary>
public sealed record FileEntry(string Path, bool IsFolder, long Size, DateTimeOffset Modified, string ETag);
