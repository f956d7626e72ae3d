namespace Kernel.Abstractions;

public enum FlagChangeMode
{
    Add,
    Remove,
    Replace,
}
