using Kernel.Abstractions;
using Kernel.Mailboxes;
using Kernel.Storage;
using Microsoft.Extensions.DependencyInjection;
using static Kernel.Tests.Integration.KernelBed;

namespace Kernel.Tests.Integration;

/// <summary>
/// Where the stores meet: the mailbox store reading settings and administrator rights from the real account store,
/// the System principal's names following the Main Domain setting, and deliveries racing account removal.
/// </summary>
public sealed class CrossStoreEdgeTests : IAsyncLifetime
{
    private KernelBed _bed = null!;

    public async Task InitializeAsync() => _bed = await KernelBed.CreateAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private async Task<string> MyRights(Principal who, string mailbox) => MailboxRightsText.Format(await _bed.Mailboxes.GetRightsAsync(who, mailbox));

    [Fact]
    public async Task A_Main_Domain_administrator_cannot_open_mailboxes_of_accounts_holding_server_rights()
    {
        // §10 and §13.7: CanAccessMailboxes covers the domain's accounts except those holding server rights.
        await _bed.Accounts.SetAdminRightsAsync(A("bob"), new AdminRights(ServerRights.None, DomainAdminRights.DomainAdministrator | DomainAdminRights.CanAccessMailboxes));
        Assert.Equal("lrswipkxtecda", await MyRights(U("bob"), "~alice/INBOX"));
        Assert.Equal("", await MyRights(U("bob"), "~ops/INBOX"));
        Assert.Equal("", await MyRights(U("bob"), "~postmaster/INBOX"));
        Assert.Equal("", await MyRights(U("bob"), "~dave@dept1.company.dom/INBOX"));
        // The guard follows the owner's rights live: once ops loses All Users, bob may open ops's mailboxes.
        await _bed.Accounts.SetAdminRightsAsync(A("ops"), AdminRights.None);
        Assert.Equal("lrswipkxtecda", await MyRights(U("bob"), "~ops/INBOX"));
    }

    [Fact]
    public async Task The_System_principal_and_bare_addresses_follow_the_Main_Domain_setting()
    {
        await _bed.Mailboxes.AppendAsync(U("dave", Dept), "INBOX", Message("for dave"));
        Assert.Equal("lrswipkxtecda", await MyRights(Principal.System, "~alice/INBOX"));
        Assert.Equal("", await MyRights(Principal.System, "~dave/INBOX"));

        await _bed.Accounts.SetSettingAsync(SettingScope.Server, SettingKeys.MainDomain, Dept);
        Assert.Equal(Dept, await _bed.Accounts.GetMainDomainAsync());
        Assert.Equal(1, (await _bed.Mailboxes.GetStatusAsync(Principal.System, "~dave/INBOX")).Messages);
        Assert.Equal("", await MyRights(Principal.System, "~alice/INBOX"));
        Assert.Equal("lrswipkxtecda", await MyRights(Principal.System, "~alice@company.dom/INBOX"));

        // The router reads the same setting: a bare name is now a dept1 account.
        var router = _bed.Services.GetRequiredService<IAddressRouter>();
        var decision = await router.RouteAsync(new RouteRequest("dave", RouteKind.Mail, RequestSource.InternalSource("test")));
        Assert.Equal(A("dave", Dept), Assert.IsType<RouteResult.Local>(decision.Result).Account);
    }

    [Fact]
    public async Task A_batched_delivery_for_a_removed_account_fails_only_that_item()
    {
        // The pipeline routes, then appends in one batch; an account removed in between must not fail the batch.
        var local = _bed.Services.GetRequiredService<ILocalDelivery>();
        var bodies = _bed.Services.GetRequiredService<BodyStore>();
        await using var source = Message("batched").OpenRead();
        var body = await bodies.WriteAsync(source);
        await _bed.Accounts.DeleteAccountAsync(A("carol"));

        var results = await local.DeliverAsync([new LocalDeliveryItem(A("alice"), "INBOX", body), new LocalDeliveryItem(A("carol"), "INBOX", body), new LocalDeliveryItem(A("bob"), "INBOX", body)]);

        Assert.Equal([1u, 0u, 1u], results.Select(r => r.Appended?.Uid ?? 0));
        Assert.Equal(MailboxError.NonExistent, results[1].Error);
        Assert.Equal(2, _bed.BodyRows()[body.Id]);
    }

    [Fact]
    public async Task Mail_for_an_account_removed_while_queued_comes_back_to_the_sender()
    {
        var id = (await _bed.Queue.SubmitAsync(Envelope("bob@company.dom", "carol@company.dom", "alice@company.dom"), Message("too late", "bob@company.dom"))).QueueId!;
        await _bed.Accounts.DeleteAccountAsync(A("carol"));
        await _bed.StartPipelineAsync();
        await _bed.WaitForEmptyQueueAsync();

        Assert.Single(await _bed.MessagesAsync(A("alice")));
        var dsn = Assert.Single(await _bed.MessagesAsync(A("bob")));
        Assert.Contains("Final-Recipient: rfc822; carol@company.dom", dsn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Status: 5.1.1", dsn, StringComparison.Ordinal);
        Assert.Null(await _bed.Queue.GetAsync(id));
    }

    [Fact]
    public async Task An_account_over_its_quota_setting_keeps_the_message_queued_and_gets_it_when_room_is_made()
    {
        await _bed.Accounts.SetSettingAsync(SettingScope.ForAccount(A("carol")), SettingKeys.MailboxQuotaBytes, "50");
        Assert.Equal(50, (await _bed.Mailboxes.GetQuotaAsync(U("carol"), A("carol"))).LimitBytes);
        await _bed.StartPipelineAsync();
        var id = (await _bed.Queue.SubmitAsync(Envelope("bob@company.dom", "carol@company.dom"), Message("too big for carol", "bob@company.dom"))).QueueId!;

        // RFC 3463 4.2.2: mailbox full is temporary — the recipient waits with the reason, no DSN.
        await WaitUntilAsync(async () => (await _bed.Queue.GetAsync(id))?.Recipients.Single().LastError is not null, "the over-quota attempt");
        var waiting = Assert.Single((await _bed.Queue.GetAsync(id))!.Recipients);
        Assert.Contains("quota", waiting.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await _bed.MessagesAsync(A("carol")));
        Assert.Empty(await _bed.MessagesAsync(A("bob")));

        await _bed.Accounts.SetSettingAsync(SettingScope.ForAccount(A("carol")), SettingKeys.MailboxQuotaBytes, null);
        Assert.True(await _bed.Queue.RetryAsync(id));
        await _bed.WaitForEmptyQueueAsync();
        Assert.Single(await _bed.MessagesAsync(A("carol")));
        Assert.Empty(await _bed.MessagesAsync(A("bob")));
    }
}
