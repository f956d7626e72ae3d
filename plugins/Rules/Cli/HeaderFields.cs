using System.Text;

namespace Rules;

/// <summary>The header fields of a message file as the kernel hands them to rules: name and unfolded value, in order (RFC 5322 §2.2.3).</summary>
internal static class HeaderFields
{
    public static IReadOnlyList<KeyValuePair<string, string>> Read(byte[] message)
    {
        var fields = new List<KeyValuePair<string, string>>();
        var text = Encoding.Latin1.GetString(message);
        string? name = null;
        var value = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) break; // the empty line ends the header
            if (line[0] is ' ' or '\t' && name is not null)
            {
                value.Append(line);
                continue;
            }
            if (name is not null) fields.Add(new(name, value.ToString().Trim()));
            var colon = line.IndexOf(':');
            if (colon <= 0) { name = null; continue; }
            name = line[..colon].Trim();
            value.Clear().Append(line[(colon + 1)..]);
        }
        if (name is not null) fields.Add(new(name, value.ToString().Trim()));
        return fields;
    }
}
