namespace Kernel.Abstractions;

/// <summary>A MIME header parameter (<c>charset=utf-8</c>), RFC 2231 continuations and encodings already joined and decoded.</summary>
public sealed record MessageParameter
{
    public required string Name { get; init; }

    public required string Value { get; init; }
}
