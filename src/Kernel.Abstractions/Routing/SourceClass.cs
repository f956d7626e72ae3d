namespace Kernel.Abstractions;

/// <summary>One source class for every protocol (smtp.md §5.1, sip.md §6 say who is Trusted).</summary>
public enum SourceClass
{
    Untrusted,
    Trusted,
}
