using Kernel.Storage;

namespace Kernel.Tests.Storage;

/// <summary>
/// The process's write gate (<see cref="SqliteDatabase.EnterWriteAsync"/>): one writer at a time, the next let in the
/// moment the previous turn ends (instead of meeting in SQLite's busy handler and sleeping).
/// </summary>
public sealed class WriteGateTests : IDisposable
{
    private readonly TempDataFolder _data = new();

    [Fact]
    public async Task Second_writer_waits_until_the_first_turn_ends()
    {
        using var database = new SqliteDatabase(_data.Path);
        var first = await database.EnterWriteAsync();
        var second = database.EnterWriteAsync().AsTask();
        Assert.False(second.IsCompleted);
        first.Dispose();
        var turn = await second;
        var third = database.EnterWriteAsync().AsTask();
        Assert.False(third.IsCompleted);
        turn.Dispose();
        (await third).Dispose();
    }

    public void Dispose() => _data.Dispose();
}
