namespace Kernel.Abstractions;

public enum DirectoryError
{
    InvalidName,
    NotFound,
    AlreadyExists,
    NotAllowed,
}
