using System.Collections.Concurrent;
using Dapper;
using Kernel.Abstractions;
using Kernel.Delivery;
using Kernel.Hosting;
using Kernel.Storage;
using Kernel.Tests.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Tests.Integration;

/// <summary>
/// The kernel's real services, composed exactly as <c>kernel serve</c> composes them (<see cref="KernelServices.Build"/>)
/// on a temp data folder and an empty (or given) plugins folder: the SQLite account store, mailbox store, default
/// router, queue, delivery worker and bus — no fakes. With <c>populate</c> it holds the test bed of mailboxes.md §12,
/// made through <see cref="IAccountStore"/>: Main Domain company.dom (marketing, public, carol, alice, bob,
/// postmaster with Master, ops with All Users) and dept1.company.dom (dave, dadmin with CanAccessMailboxes, dplain without).
/// </summary>
internal sealed class KernelBed : IAsyncDisposable
{
    public const string Main = "company.dom";
    public const string Dept = "dept1.company.dom";

    private readonly TempDataFolder _folder = new();
    private readonly IDisposable _deliveredSubscription;
    private bool _pipelineStarted;
    private bool _serverStarted;

    private KernelBed(IReadOnlyDictionary<string, string?>? settings)
    {
        DataDirectory = Path.Combine(_folder.Path, "data");
        PluginsDirectory = Path.Combine(_folder.Path, "plugins");
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(PluginsDirectory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        Services = KernelServices.Build(new KernelPaths(DataDirectory, PluginsDirectory), configuration, Logs);
        Accounts = Services.GetRequiredService<IAccountStore>();
        Mailboxes = Services.GetRequiredService<IMailboxStore>();
        Queue = Services.GetRequiredService<IMessageQueue>();
        Bus = Services.GetRequiredService<IMessageBus>();
        Database = Services.GetRequiredService<SqliteDatabase>();
        _deliveredSubscription = Bus.Subscribe<MessageDelivered>((e, _) =>
        {
            Delivered.Enqueue(e);
            return ValueTask.CompletedTask;
        });
    }

    public string DataDirectory { get; }
    public string PluginsDirectory { get; }
    public RecordingLoggerFactory Logs { get; } = new();
    public ServiceProvider Services { get; }
    public IAccountStore Accounts { get; }
    public IMailboxStore Mailboxes { get; }
    public IMessageQueue Queue { get; }
    public IMessageBus Bus { get; }
    public SqliteDatabase Database { get; }
    public ConcurrentQueue<MessageDelivered> Delivered { get; } = new();

    public static AccountAddress A(string name, string domain = Main) => new(name, domain);

    public static Principal U(string name, string domain = Main) => Principal.User(A(name, domain));

    /// <summary>A bed on fresh folders; <paramref name="preparePlugins"/> may copy plugins into the plugins folder before anything starts.</summary>
    public static async Task<KernelBed> CreateAsync(bool populate = true, Action<string>? preparePlugins = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var bed = new KernelBed(settings);
        try
        {
            preparePlugins?.Invoke(bed.PluginsDirectory);
            if (populate) await bed.PopulateAsync();
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    private async Task PopulateAsync()
    {
        // The first domain created is the Main Domain until the setting names another.
        await Accounts.CreateDomainAsync(Main);
        await Accounts.CreateDomainAsync(Dept);
        foreach (var name in new[] { "marketing", "public", "carol", "alice", "bob", "postmaster", "ops" }) await Accounts.CreateAccountAsync(A(name), null);
        foreach (var name in new[] { "dave", "dadmin", "dplain" }) await Accounts.CreateAccountAsync(A(name, Dept), null);
        await Accounts.SetAdminRightsAsync(A("postmaster"), new AdminRights(ServerRights.Master, DomainAdminRights.None));
        await Accounts.SetAdminRightsAsync(A("ops"), new AdminRights(ServerRights.AllUsers, DomainAdminRights.None));
        await Accounts.SetAdminRightsAsync(A("dadmin", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes));
        await Accounts.SetAdminRightsAsync(A("dplain", Dept), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator));
    }

    /// <summary>Starts the delivery worker (the pipeline) as <c>serve</c> does; stopped on dispose.</summary>
    public async Task StartPipelineAsync()
    {
        await Services.GetRequiredService<DeliveryWorker>().StartAsync(CancellationToken.None);
        _pipelineStarted = true;
    }

    /// <summary>Starts everything <c>kernel serve</c> starts (watcher, pipeline, plugins); stopped on dispose.</summary>
    public async Task StartServerAsync()
    {
        await Services.GetRequiredService<KernelServer>().StartAsync(CancellationToken.None);
        _serverStarted = true;
    }

    public static Envelope Envelope(string sender, params string[] recipients) =>
        new()
        {
            Sender = sender,
            Recipients = recipients.Select(r => new EnvelopeRecipient { Address = r }).ToList(),
            Source = new RequestSource { ClientIp = System.Net.IPAddress.Loopback, Class = SourceClass.Untrusted, Protocol = "smtp" },
        };

    public static MessageBody Message(string subject, string from = "sender@remote.example") =>
        MessageBody.FromBytes(System.Text.Encoding.ASCII.GetBytes(
            $"From: <{from}>\r\nTo: <undisclosed>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@remote.example>\r\n\r\nbody of {subject}\r\n"));

    public static async Task<string> ReadAsync(MessageBody body)
    {
        await using var stream = body.OpenRead();
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Every message of a mailbox as text, in UID order, read as the System principal (<c>~acct@dom/box</c>).</summary>
    public async Task<IReadOnlyList<string>> MessagesAsync(AccountAddress owner, string mailbox = "INBOX")
    {
        var name = $"~{owner}/{mailbox}";
        var texts = new List<string>();
        foreach (var summary in await Mailboxes.FetchAsync(Principal.System, name, UidSet.All))
        {
            var body = await Mailboxes.OpenMessageAsync(Principal.System, name, summary.Uid);
            Assert.NotNull(body);
            texts.Add(await ReadAsync(body));
        }
        return texts;
    }

    /// <summary>Waits (bounded) until the condition holds; polls, since the pipeline works on its own thread.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    public Task WaitForEmptyQueueAsync() => WaitUntilAsync(async () => (await Queue.ListAsync()).Count == 0, "the queue to empty");

    /// <summary>Stored bodies by id: files on disk (not temporary ones) and small bodies inside the database (<c>body_data</c>).</summary>
    public IReadOnlyList<string> StoredBodies()
    {
        var root = Path.Combine(DataDirectory, "bodies");
        var tmp = Path.Combine(root, "tmp");
        using var connection = Database.Open();
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(tmp + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(Path.GetFileName).OfType<string>()
            .Concat(connection.Query<string>("SELECT id FROM body_data"))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The <c>bodies</c> table: id → reference count.</summary>
    public IReadOnlyDictionary<string, long> BodyRows()
    {
        using var connection = Database.Open();
        return connection.Query<(string Id, long Refs)>("SELECT id, refs FROM bodies").ToDictionary(r => r.Id, r => r.Refs, StringComparer.Ordinal);
    }

    /// <summary>The body id of each stored message of an account (all mailboxes).</summary>
    public IReadOnlyList<string> BodyIdsOf(AccountAddress owner)
    {
        using var connection = Database.Open();
        return connection.Query<string>(
            "SELECT m.body_id FROM mailbox_messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.account = @account ORDER BY m.uid",
            new { account = owner.ToString() }).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        if (_serverStarted) await Services.GetRequiredService<KernelServer>().StopAsync();
        else if (_pipelineStarted) await Services.GetRequiredService<DeliveryWorker>().StopAsync(deadline.Token);
        _deliveredSubscription.Dispose();
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
