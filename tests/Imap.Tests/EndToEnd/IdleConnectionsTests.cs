using System.Net.Sockets;
using System.Text;
using Kernel.Testing;
using Xunit.Abstractions;

namespace Imap.Tests.EndToEnd;

/// <summary>
/// Issue 11 "Bad input": 1,000 idle logged-in, selected connections through <c>kernel serve</c>. All log in and
/// select, a normal client keeps working meanwhile, the connection above the configured limit gets the clear
/// RFC 5530 refusal, and all close cleanly (BYE + tagged OK) with the server still serving. The server's PSS growth
/// per connection, each sample taken after the kernel's idle compaction, is printed (measured, not timed) and held to
/// issue 11's 100 KiB.
/// </summary>
public sealed class IdleConnectionsTests(ITestOutputHelper output)
{
    private const int Idle = 1000;
    private const int Accounts = 2;
    private const string Password = "pw";

    [Fact]
    public async Task Thousand_idle_selected_connections_then_a_refusal_and_a_working_client_then_all_close()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // room for the 1,000 idle sessions plus the one normal client; the next connection is refused
        await using var kernel = await KernelProcess.StartAsync(new KernelProcessOptions
        {
            Plugins = ["Imap"],
            Settings = new Dictionary<string, string>
            {
                ["Imap:Listen:0"] = "127.0.0.1:0",
                ["Imap:Imaps:Listen:0"] = "127.0.0.1:0",
                ["Imap:MaxConnections"] = (Idle + 1).ToString(),
                ["Imap:MaxConnectionsPerIp"] = (Idle + 1).ToString(),
                // every burst is followed by the kernel's idle compaction, logged, so both samples are taken after one
                ["Kernel:IdleCompaction:MinAllocatedMiB"] = "1",
                ["Logging:LogLevel:Kernel.Hosting.IdleMemoryCompaction"] = "Debug",
            },
        });
        await Cli(kernel, "domain", "add", "idle.test");
        for (var i = 0; i < Accounts; i++) await Cli(kernel, "account", "add", $"idle{i}@idle.test", "--password", Password);
        await CheapPasswordsAsync(kernel);
        var port = kernel.Listener("imap").Port;
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: server up, {Accounts} accounts");

        // a few messages in each INBOX, so every selection has a sequence map to hold
        for (var i = 0; i < Accounts; i++)
        {
            await using var c = await RawImapClient.ConnectAsync(port);
            await c.OkAsync($"LOGIN idle{i}@idle.test {Password}");
            for (var m = 0; m < 5; m++) await AppendAsync(c, $"seed {m}");
        }

        // warm-up (code loaded and compiled) before the baseline
        for (var i = 0; i < 20; i++)
        {
            await using var warm = await IdleConnection.OpenAsync(port, $"idle{i % Accounts}@idle.test", Password);
            await warm.LogoutAsync();
        }
        await AfterIdleCompactionAsync(kernel);
        var before = PssKib(kernel.ProcessId);

        var idle = new IdleConnection[Idle];
        try
        {
            using var gate = new SemaphoreSlim(32);
            await Task.WhenAll(Enumerable.Range(0, Idle).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    idle[i] = await IdleConnection.OpenAsync(port, $"idle{i % Accounts}@idle.test", Password);
                }
                finally
                {
                    gate.Release();
                }
            })).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.All(idle, c => Assert.Contains("EXISTS", c.SelectReply));

            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {Idle} sessions logged in and selected");
            await AfterIdleCompactionAsync(kernel);
            var after = PssKib(kernel.ProcessId);
            var perConnection = (after - before) / (double)Idle;
            output.WriteLine($"server PSS {before} KiB before, {after} KiB with {Idle} idle selected connections: {perConnection:F1} KiB per connection");
            // issue 11's target: at most 100 KiB per idle logged-in, selected connection (what a session holds, not garbage)
            Assert.True(perConnection < 100, $"{perConnection:F1} KiB per idle connection");

            // a normal client works meanwhile: log in, append, see it, fetch it
            await using (var normal = await RawImapClient.ConnectAsync(port))
            {
                Assert.StartsWith("* OK", normal.Greeting);
                await normal.OkAsync($"LOGIN idle0@idle.test {Password}");
                await AppendAsync(normal, "while 1000 idle");
                var select = await normal.OkAsync("SELECT INBOX");
                Assert.Contains("* 6 EXISTS", select.All);
                var fetch = await normal.OkAsync("FETCH 6 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
                Assert.Contains("Subject: while 1000 idle", fetch.All);

                // above the limit (1,000 idle + this client): the RFC 5530 refusal, then the close
                await using var refused = await RawImapClient.ConnectAsync(port);
                Assert.Equal("* BYE [UNAVAILABLE] Too many connections", refused.Greeting);
                await normal.OkAsync("LOGOUT");
            }

            // the idle sessions saw nothing they must answer; each closes cleanly
            using var closeGate = new SemaphoreSlim(64);
            await Task.WhenAll(idle.Select(async c =>
            {
                await closeGate.WaitAsync();
                try
                {
                    await c.LogoutAsync();
                }
                finally
                {
                    closeGate.Release();
                }
            })).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            foreach (var c in idle) if (c is not null) await c.DisposeAsync();
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: all closed");
        // every slot is free again: a new session logs in
        await using var again = await RawImapClient.ConnectAsync(port);
        Assert.StartsWith("* OK", again.Greeting);
        await again.OkAsync($"LOGIN idle1@idle.test {Password}");
        Assert.False(kernel.HasExited);
    }

    /// <summary>Waits (bounded) for the kernel's next idle compaction (README "Memory after a burst") after the burst just made.</summary>
    private static async Task AfterIdleCompactionAsync(KernelProcess kernel)
    {
        var next = kernel.Log.Count(l => l.Contains("idle compaction ", StringComparison.Ordinal)) + 1;
        await kernel.WaitForLogAsync(l => l.Contains($"idle compaction {next} after", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
    }

    private static async Task AppendAsync(RawImapClient client, string subject)
    {
        var message = $"From: a@idle.test\r\nSubject: {subject}\r\n\r\nbody\r\n";
        await client.OkAsync($"APPEND INBOX {{{Encoding.ASCII.GetByteCount(message)}+}}\r\n{message}");
    }

    /// <summary>
    /// The accounts get a PBKDF2 hash of 1,000 iterations instead of the default 150,000 (the stored format carries its
    /// count): this test is about holding connections, and 1,000 full-cost verifications would be minutes of CPU on a
    /// shared 2-core machine. The login path is the same (the store reads the hash at every LOGIN).
    /// </summary>
    private static async Task CheapPasswordsAsync(KernelProcess kernel)
    {
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(kernel.DataDirectory, "kernel.db")}");
        await db.OpenAsync();
        await using var update = db.CreateCommand();
        update.CommandText = "UPDATE accounts SET password_hash = $hash WHERE domain = 'idle.test' AND name LIKE 'idle%'";
        update.Parameters.AddWithValue("$hash", Kernel.Accounts.PasswordHash.Create(Password, 1000));
        Assert.Equal(Accounts, await update.ExecuteNonQueryAsync());
    }

    private static async Task Cli(KernelProcess kernel, params string[] args)
    {
        var result = await kernel.CliAsync(args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"kernel {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>Proportional set size of a process (KiB), from <c>/proc/pid/smaps_rollup</c>.</summary>
    private static long PssKib(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Pss:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        throw new InvalidOperationException("no Pss line");
    }

    /// <summary>A minimal client holding a logged-in, selected session open (a small buffer, every read bounded).</summary>
    private sealed class IdleConnection : IAsyncDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly byte[] _buffer = new byte[2048];
        private readonly StringBuilder _pending = new();

        public string SelectReply { get; private set; } = "";

        public static async Task<IdleConnection> OpenAsync(int port, string user, string password)
        {
            var c = new IdleConnection();
            try
            {
                using var cts = new CancellationTokenSource(Timeout);
                await c._socket.ConnectAsync("127.0.0.1", port, cts.Token);
                var greeting = await c.ReadUntilAsync("* ", cts.Token);
                if (!greeting.StartsWith("* OK", StringComparison.Ordinal)) throw new InvalidOperationException("greeting: " + greeting);
                // LOGIN and SELECT pipelined (RFC 3501 §5.5)
                await c._socket.SendAsync(Encoding.ASCII.GetBytes($"l LOGIN {user} {password}\r\ns SELECT INBOX\r\n"), cts.Token);
                var login = await c.ReadUntilAsync("l ", cts.Token);
                if (!login.Contains("l OK", StringComparison.Ordinal)) throw new InvalidOperationException("login: " + login);
                c.SelectReply = await c.ReadUntilAsync("s ", cts.Token);
                if (!c.SelectReply.Contains("s OK [READ-WRITE]", StringComparison.Ordinal)) throw new InvalidOperationException("select: " + c.SelectReply);
                return c;
            }
            catch
            {
                await c.DisposeAsync();
                throw;
            }
        }

        public async Task LogoutAsync()
        {
            using var cts = new CancellationTokenSource(Timeout);
            await _socket.SendAsync("o LOGOUT\r\n"u8.ToArray(), cts.Token);
            var reply = await ReadUntilAsync("o ", cts.Token);
            Assert.Contains("* BYE", reply);
            Assert.Contains("o OK", reply);
            // then the server closes: end of stream
            var n = await _socket.ReceiveAsync(_buffer, cts.Token);
            Assert.Equal(0, n);
        }

        /// <summary>Everything up to and including the first line starting with <paramref name="prefix"/>.</summary>
        private async Task<string> ReadUntilAsync(string prefix, CancellationToken ct)
        {
            while (true)
            {
                var text = _pending.ToString();
                var start = 0;
                while (text.IndexOf("\r\n", start, StringComparison.Ordinal) is var end and >= 0)
                {
                    if (string.CompareOrdinal(text, start, prefix, 0, prefix.Length) == 0)
                    {
                        _pending.Remove(0, end + 2);
                        return text[..(end + 2)];
                    }
                    start = end + 2;
                }
                var n = await _socket.ReceiveAsync(_buffer, ct);
                if (n == 0) throw new InvalidOperationException("connection closed after: " + text);
                _pending.Append(Encoding.ASCII.GetString(_buffer, 0, n));
            }
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
