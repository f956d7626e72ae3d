namespace Kernel.Tests.DataFolder;

/// <summary>The embedded store: <c>&lt;data&gt;/kernel.db</c> with its <c>-wal</c> and <c>-shm</c> files.</summary>
public sealed class SqliteDataFolderProvider : IDataFolderProvider
{
    public string Name => "sqlite";

    public string DatabaseName => "kernel.db";

    public IReadOnlyList<string> Arguments => [];

    public void Damage(string dataDirectory, DatabaseFault fault)
    {
        var database = Path.Combine(dataDirectory, DatabaseName);
        foreach (var side in new[] { "-wal", "-shm" }) File.Delete(database + side);
        switch (fault)
        {
            case DatabaseFault.Missing:
                File.Delete(database);
                break;
            case DatabaseFault.Empty:
                File.WriteAllBytes(database, []);
                break;
            case DatabaseFault.Garbage:
                File.WriteAllBytes(database, RandomBytes((int)new FileInfo(database).Length));
                break;
            case DatabaseFault.GarbagePages:
                using (var file = new FileStream(database, FileMode.Open, FileAccess.ReadWrite))
                {
                    const int page = 4096;
                    Assert.True(file.Length > 3 * page, $"{database} is too small to damage its pages ({file.Length} bytes)");
                    for (var offset = 2L * page; offset + page <= file.Length; offset += page)
                    {
                        file.Position = offset + 64;
                        file.Write(RandomBytes(page / 2));
                    }
                }
                break;
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(8).NextBytes(bytes);
        return bytes;
    }
}
