using Kernel.Abstractions;

namespace Kernel.Queue;

/// <summary>The sanity checks a submission passes before anything runs (RFC 5321 §4.5.3.1 size limits).</summary>
internal static class EnvelopeValidation
{
    // RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
    private const int MaxAddress = 254;

    public static void Validate(Envelope envelope, int maxRecipients)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Sender is null) throw new ArgumentException("envelope sender is missing (use \"\" for the null reverse-path)", nameof(envelope));
        if (envelope.Sender.Length > 0 && !IsAddress(envelope.Sender))
            throw new ArgumentException($"envelope sender '{envelope.Sender}' is not a valid address", nameof(envelope));
        if (envelope.Recipients is null || envelope.Recipients.Count == 0)
            throw new ArgumentException("envelope has no recipient; at least one is required", nameof(envelope));
        if (envelope.Recipients.Count > maxRecipients)
            throw new ArgumentException($"envelope has {envelope.Recipients.Count} recipients; at most {maxRecipients} are allowed", nameof(envelope));
        ArgumentNullException.ThrowIfNull(envelope.Source, nameof(envelope.Source));
        foreach (var r in envelope.Recipients)
        {
            if (r is null || !IsAddress(r.Address))
                throw new ArgumentException($"recipient '{r?.Address}' is not a valid address", nameof(envelope));
        }
    }

    public static bool IsAddress(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > MaxAddress) return false;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1) return false;
        foreach (var c in address)
        {
            if (c <= ' ' || c == 0x7f || c is '<' or '>' || c > 0x7f && char.IsControl(c)) return false;
        }
        return true;
    }
}
