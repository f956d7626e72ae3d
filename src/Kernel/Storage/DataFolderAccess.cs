namespace Kernel.Storage;

/// <summary>Whether opening a data folder may create the store in it (see <see cref="DataFolder"/>).</summary>
public enum DataFolderAccess
{
    /// <summary><c>serve</c> and <c>kernel domain add</c>: a new or empty folder gets a new store; a used one must have its database.</summary>
    CreateIfNew,

    /// <summary>Every other command: the folder must already hold a store.</summary>
    ExistingStore,
}
