namespace Rules;

/// <summary>
/// rules.md §4 compares with ASCII case folding only: <c>A</c>–<c>Z</c> become <c>a</c>–<c>z</c>, every other character
/// stays itself. Pictures are folded once when a set is compiled and message values once per message, so matching is
/// plain ordinal comparison (vectorised by the runtime) instead of a case test per character per rule.
/// </summary>
internal static class AsciiFold
{
    /// <summary>The folded text; the same instance when it has no ASCII capital (no allocation in the common case).</summary>
    public static string Fold(string text)
    {
        var first = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is >= 'A' and <= 'Z')
            {
                first = i;
                break;
            }
        }
        if (first < 0) return text;
        return string.Create(text.Length, (text, first), static (span, state) =>
        {
            state.text.AsSpan().CopyTo(span);
            for (var i = state.first; i < span.Length; i++)
            {
                if (span[i] is >= 'A' and <= 'Z') span[i] = (char)(span[i] | 0x20);
            }
        });
    }

    public static string[] Fold(IReadOnlyList<string> values)
    {
        var folded = new string[values.Count];
        for (var i = 0; i < folded.Length; i++) folded[i] = Fold(values[i]);
        return folded;
    }
}
