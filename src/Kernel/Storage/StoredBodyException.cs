namespace Kernel.Storage;

/// <summary>A body file is missing or damaged; the message names the file.</summary>
public sealed class StoredBodyException(string message) : IOException(message);
