using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kernel.Cli;

/// <summary>How listings are printed: one line per item, or JSON with camelCase names.</summary>
public static class CliOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void Json<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
}
