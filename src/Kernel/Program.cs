namespace Kernel;

/// <summary>The <c>kernel</c> executable (placeholder until the CLI lands).</summary>
public static class Program
{
    public static int Main(string[] args) => args.Length >= 0 ? 0 : 1;
}
