namespace Kernel.Storage;

/// <summary>A data folder that cannot be used as it is; the message is one line for the operator, naming the file and what to do.</summary>
public sealed class DataFolderException(string message) : Exception(message);
