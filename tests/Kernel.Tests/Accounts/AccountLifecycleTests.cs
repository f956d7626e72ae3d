using Kernel.Abstractions;
using Kernel.Accounts;
using Kernel.Storage;

namespace Kernel.Tests.Accounts;

/// <summary>Issue 9 §2: the account hook no longer hands a SqliteConnection to unrelated stores.</summary>
public sealed class AccountLifecycleTests
{
    [Fact]
    public void The_hook_names_no_database_driver()
    {
        var driver = typeof(Microsoft.Data.Sqlite.SqliteConnection).Assembly;
        var parameters = typeof(IAccountLifecycle).GetMethods().SelectMany(m => m.GetParameters()).ToList();
        Assert.NotEmpty(parameters);
        Assert.DoesNotContain(parameters, p => p.ParameterType.Assembly == driver);
        Assert.Contains(parameters, p => p.ParameterType == typeof(IStoreTransaction));
    }

    [Fact]
    public void A_SQLite_participant_refuses_another_providers_transaction_by_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SqliteStoreTransaction.Of(new OtherProviderTransaction()));
        Assert.Contains("postgresql", error.Message, StringComparison.Ordinal);
    }

    private sealed class OtherProviderTransaction : IStoreTransaction
    {
        public string Provider => "postgresql";
    }
}
