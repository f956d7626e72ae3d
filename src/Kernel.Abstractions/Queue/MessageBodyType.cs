namespace Kernel.Abstractions;

/// <summary>MAIL FROM's BODY= parameter: what the body may contain, so a relay knows what the next hop must support.</summary>
public enum MessageBodyType
{
    /// <summary>BODY=7BIT or no BODY parameter (RFC 5321: 7-bit US-ASCII lines).</summary>
    SevenBit,

    /// <summary>BODY=8BITMIME (RFC 6152): 8-bit octets in lines of at most 998 octets.</summary>
    EightBitMime,

    /// <summary>BODY=BINARYMIME (RFC 3030): arbitrary octets, sent only with BDAT.</summary>
    BinaryMime,
}
