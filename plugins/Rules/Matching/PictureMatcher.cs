namespace Rules;

/// <summary>The shape of a picture once its runs of <c>*</c> are collapsed: what decides how it is tested and indexed.</summary>
internal enum PictureShape
{
    Exact,     // no *: the whole value
    Prefix,    // lit*
    Suffix,    // *lit (the common *@domain)
    Contains,  // *lit*
    Any,       // * alone: every value
    General,   // several literal parts: the length × length walk of Picture
}

/// <summary>
/// One picture (rules.md §4) compiled for folded values: the common shapes become one ordinal comparison, the rest use
/// the bounded walk of <see cref="Picture"/>. <see cref="Leading"/>, <see cref="Trailing"/> and <see cref="Longest"/> are
/// literal parts every matching value must have — what <see cref="RuleIndex"/> looks rules up by.
/// </summary>
/// <param name="Text">The folded picture with runs of <c>*</c> collapsed (same meaning: <c>**</c> matches what <c>*</c> does).</param>
/// <param name="Literal">The one literal part of an Exact, Prefix, Suffix or Contains picture.</param>
/// <param name="Leading">The literal before the first <c>*</c> (a matching value starts with it); empty when the picture starts with <c>*</c>.</param>
/// <param name="Trailing">The literal after the last <c>*</c> (a matching value ends with it).</param>
/// <param name="Longest">The longest literal part (a matching value contains it).</param>
internal sealed record PictureMatcher(string Text, PictureShape Shape, string Literal, string Leading, string Trailing, string Longest)
{
    public static PictureMatcher Create(string picture)
    {
        var folded = AsciiFold.Fold(picture);
        while (folded.Contains("**", StringComparison.Ordinal)) folded = folded.Replace("**", "*", StringComparison.Ordinal);
        var parts = folded.Split('*');
        var longest = parts.MaxBy(p => p.Length) ?? "";
        var (leading, trailing) = parts.Length == 1 ? (folded, folded) : (parts[0], parts[^1]);
        var shape = parts.Length switch
        {
            1 => PictureShape.Exact,
            2 when folded.Length == 1 => PictureShape.Any,
            2 => parts[0].Length == 0 ? PictureShape.Suffix : PictureShape.Prefix,
            3 when parts[0].Length == 0 && parts[2].Length == 0 => PictureShape.Contains,
            _ => PictureShape.General,
        };
        var literal = shape is PictureShape.General or PictureShape.Any ? "" : longest;
        return new PictureMatcher(folded, shape, literal, leading, trailing, longest);
    }

    public static PictureMatcher[] Create(IReadOnlyList<string> pictures)
    {
        var matchers = new PictureMatcher[pictures.Count];
        for (var i = 0; i < matchers.Length; i++) matchers[i] = Create(pictures[i]);
        return matchers;
    }

    /// <param name="folded">A value folded by <see cref="AsciiFold.Fold(string)"/>.</param>
    public bool Matches(string folded) => Shape switch
    {
        PictureShape.Exact => string.Equals(folded, Literal, StringComparison.Ordinal),
        PictureShape.Suffix => folded.EndsWith(Literal, StringComparison.Ordinal),
        PictureShape.Prefix => folded.StartsWith(Literal, StringComparison.Ordinal),
        PictureShape.Contains => folded.Contains(Literal, StringComparison.Ordinal),
        PictureShape.Any => true,
        _ => Picture.Matches(Text, folded),
    };

    public static bool MatchesAny(PictureMatcher[] matchers, string folded)
    {
        foreach (var m in matchers)
        {
            if (m.Matches(folded)) return true;
        }
        return false;
    }
}
