using Kernel.Abstractions;
using Kernel.Accounts;

namespace Kernel.Testing.Stores;

/// <summary>
/// A storage backend the store contract suites run against (design.md "Tests in layers": every suite runs against
/// SQLite and later PostgreSQL). A provider hands out the kernel's real stores over a fresh, empty database; a second
/// backend is a second subclass, and every contract suite then runs against it unchanged.
/// </summary>
public abstract class StoreProvider : IDisposable
{
    /// <summary>Cheap password hashes keep tests fast; the stored format carries the count, so verification is unchanged.</summary>
    public const int TestPasswordIterations = 1000;

    /// <summary>Shown in test names and failures: which backend a contract case ran against.</summary>
    public abstract string Name { get; }

    /// <summary>The real account store; <paramref name="lifecycles"/> take part in creating and removing accounts as in production.</summary>
    public abstract IAccountStore CreateAccountStore(IMessageBus bus, IEnumerable<IAccountLifecycle> lifecycles);

    public IAccountStore CreateAccountStore() => CreateAccountStore(new DiscardingBus(), []);

    /// <summary>
    /// The real mailbox store, and the account store that creates and removes accounts' mailboxes through it (its
    /// <see cref="IAccountLifecycle"/>), with the kernel's default router answering its Access lookups — wired as the
    /// server wires them.
    /// </summary>
    public abstract (IAccountStore Accounts, IMailboxStore Mailboxes) CreateMailboxStores(IMessageBus bus);

    public abstract void Dispose();

    public override string ToString() => Name;

    /// <summary>For stores whose events a test does not look at.</summary>
    internal sealed class DiscardingBus : IMessageBus
    {
        public void Publish<TEvent>(TEvent @event) where TEvent : KernelEvent { }

        public IDisposable Subscribe<TEvent>(Func<TEvent, CancellationToken, ValueTask> handler) where TEvent : KernelEvent => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose() { }
        }
    }
}
