namespace Rules;

/// <summary>
/// rules.md §4 pictures: <c>*</c> matches any run of characters, everything else itself, ASCII case folded; no
/// escapes. Matched without regular expressions by the two-pointer walk that falls back only to the last <c>*</c>,
/// so the cost is at most length × length — a picture like <c>*a*a*a*a*b</c> cannot backtrack exponentially.
/// </summary>
internal static class Picture
{
    public static bool Matches(string picture, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < picture.Length && picture[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < picture.Length && Same(picture[p], text[t]))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < picture.Length && picture[p] == '*') p++;
        return p == picture.Length;
    }

    private static bool Same(char a, char b) => a == b || char.ToLowerInvariant(a) == char.ToLowerInvariant(b) && a < 128 && b < 128;
}
