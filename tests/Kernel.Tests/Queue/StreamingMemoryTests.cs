using System.Diagnostics;
using System.Text;
using Kernel.Abstractions;
using Kernel.Queue;
using Kernel.Testing;
using Kernel.Tests.Storage;
using Xunit.Abstractions;

namespace Kernel.Tests.Queue;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurements";
}

/// <summary>
/// Issue 7 §2 "done when": a 100 MB body submitted through the streaming path keeps the process's memory flat. Run
/// alone (allocation counters are process-wide), in-process and through a real <c>kernel submit</c>.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class StreamingMemoryTests(ITestOutputHelper output)
{
    private const int BodySize = 100 * 1024 * 1024;
    private const int Chunk = 64 * 1024;

    private static byte[] Lines(int size)
    {
        var line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz\r\n"u8;
        var chunk = new byte[size];
        for (var i = 0; i < size; i += line.Length) line[..Math.Min(line.Length, size - i)].CopyTo(chunk.AsSpan(i));
        return chunk;
    }

    [Fact]
    public async Task A_100_MB_body_streamed_in_64_KiB_chunks_allocates_a_small_fraction_of_its_size()
    {
        await using var h = new QueueHarness(options: new QueueOptions { MaxMessageSize = 200L * 1024 * 1024 });
        var header = "From: a@test.dom\r\nSubject: big\r\n\r\n"u8.ToArray();
        var chunk = Lines(Chunk);
        // Warm up the path (JIT, pools) so the measurement is the steady state, not first-call costs.
        await using (var warm = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom")))
        {
            await warm.WriteAsync(header);
            await warm.WriteAsync(chunk);
            Assert.True((await warm.CommitAsync()).Accepted);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peakHeap = 0;

        await using var submission = await h.Queue.BeginSubmitAsync(QueueHarness.Envelope("a@test.dom", "bob@remote.dom"));
        await submission.WriteAsync(header);
        for (var written = 0; written < BodySize; written += Chunk)
        {
            await submission.WriteAsync(chunk);
            if (written % (8 * 1024 * 1024) == 0) peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        }
        var result = await submission.CommitAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));

        output.WriteLine($"streamed 100 MiB: {allocated / 1024} KiB allocated, heap grew {(peakHeap - heapBefore) / 1024} KiB");
        Assert.True(result.Accepted, result.Text);
        Assert.Equal(header.Length + (long)BodySize, (await h.Queue.GetAsync(result.QueueId!))!.Size);
        // The body never passes through the managed heap: allocations stay far below its 100 MB.
        Assert.True(allocated < 8L * 1024 * 1024, $"{allocated / 1024} KiB allocated while streaming 100 MiB");
        Assert.True(peakHeap - heapBefore < 16L * 1024 * 1024, $"the heap grew by {(peakHeap - heapBefore) / 1024} KiB while streaming 100 MiB");
    }

    [Fact]
    public async Task Kernel_submit_of_a_100_MB_stdin_keeps_its_peak_RSS_bounded()
    {
        using var data = new TempDataFolder();
        using var plugins = new TempDataFolder();
        // Only `domain add` initialises a store (issue 8 §1); every other command refuses a folder without one.
        var created = await KernelCli.RunAsync(data.Path, null, ["domain", "add", "test.dom", $"--Kernel:PluginsDirectory={plugins.Path}"]);
        Assert.True(created.ExitCode == 0, created.Error);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     RepositoryLayout.KernelDll, "submit", "--from", "a@test.dom", "bob@remote.dom", "--data", data.Path,
                     $"--Kernel:PluginsDirectory={plugins.Path}", $"--Kernel:MaxMessageSize={200L * 1024 * 1024}",
                 })
            info.ArgumentList.Add(arg);
        info.Environment.Remove("KERNEL_DATA");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peakKiB = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var sampler = Task.Run(async () =>
        {
            // VmHWM is the process's own high-water mark: the last reading before exit covers the whole run.
            while (!process.HasExited && !stop.IsCancellationRequested)
            {
                if (ReadHighWaterMarkKiB(process.Id) is { } kib) peakKiB = Math.Max(peakKiB, kib);
                await Task.Delay(20);
            }
        });
        try
        {
            var stdin = process.StandardInput.BaseStream;
            var chunk = Lines(Chunk);
            // Bare LF line ends, as from a Unix pipe: the CLI turns them into CRLF while it streams.
            for (var i = 0; i < chunk.Length; i++) if (chunk[i] == '\r') chunk[i] = (byte)' ';
            await stdin.WriteAsync("From: a@test.dom\nSubject: big\n\n"u8.ToArray(), stop.Token);
            for (var written = 0; written < BodySize; written += Chunk) await stdin.WriteAsync(chunk, stop.Token);
            stdin.Close();
            await process.WaitForExitAsync(stop.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await stop.CancelAsync();
            await sampler;
        }
        Assert.True(process.ExitCode == 0, $"kernel submit exited {process.ExitCode}: {await error}");
        output.WriteLine($"kernel submit of 100 MiB: peak RSS (VmHWM) {peakKiB / 1024} MiB");
        var id = (await stdout).Trim();
        Assert.NotEmpty(id);
        Assert.InRange(peakKiB, 1, 150 * 1024); // a whole body in memory would be 100 MiB on top of the runtime
        var stored = Directory.EnumerateFiles(Path.Combine(data.Path, "bodies"), "*", SearchOption.AllDirectories).Single();
        var lineEnds = Lines(Chunk).Count(b => b == '\n') * (long)(BodySize / Chunk);
        Assert.Equal(34 + BodySize + lineEnds, new FileInfo(stored).Length); // every LF became CRLF
    }

    private static long? ReadHighWaterMarkKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
