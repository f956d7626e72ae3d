namespace Imap.Tests.EndToEnd;

/// <summary>RFC 9208 §4.2 SETQUOTA: administrators set an account's storage limit through the kernel; users get NO.</summary>
[Collection("imap")]
public sealed class SetQuotaTests(ImapServerFixture server)
{
    [Fact]
    public async Task Administrators_set_quotas_and_users_are_refused()
    {
        await using var ops = await server.ConnectAsync("ops@company.dom");
        Assert.Contains("QUOTASET", (await ops.OkAsync("CAPABILITY")).Untagged[0]);
        var set = await ops.OkAsync("SETQUOTA \"~quinn@company.dom\" (STORAGE 100)");
        Assert.Equal("* QUOTA \"~quinn@company.dom\" (STORAGE 0 100)", set.Untagged[0]);

        await using var quinn = await server.ConnectAsync("quinn");
        Assert.Contains("* QUOTA \"\" (STORAGE 0 100)", (await quinn.OkAsync("GETQUOTAROOT INBOX")).Untagged);
        Assert.Contains(" NO [NOPERM]", (await quinn.SendAsync("SETQUOTA \"\" (STORAGE 100000)")).Tagged);
        Assert.Contains("* QUOTA \"\" (STORAGE 0 100)", (await quinn.OkAsync("GETQUOTA \"\"")).Untagged);
        Assert.Contains(" NO [NOPERM]", (await quinn.SendAsync("SETQUOTA \"~frank\" (STORAGE 1)")).Tagged);

        Assert.Contains(" NO [CANNOT]", (await ops.SendAsync("SETQUOTA \"~quinn@company.dom\" (MESSAGE 5)")).Tagged);
        Assert.Contains(" NO [NONEXISTENT]", (await ops.SendAsync("SETQUOTA \"~nobody@company.dom\" (STORAGE 5)")).Tagged);
        Assert.Contains(" BAD", (await ops.SendAsync("SETQUOTA \"~quinn@company.dom\" (STORAGE)")).Tagged);
        Assert.Equal("* QUOTA \"~quinn@company.dom\" ()", (await ops.OkAsync("SETQUOTA \"~quinn@company.dom\" ()")).Untagged[0]);

        // A domain administrator with CanAccessMailboxes may for their domain; one without it may not.
        await using var dadmin = await server.ConnectAsync("dadmin@dept1.company.dom");
        Assert.Matches(@"^\* QUOTA ""~dave"" \(STORAGE \d+ 2048\)$", (await dadmin.OkAsync("SETQUOTA \"~dave\" (STORAGE 2048)")).Untagged[0]);
        await dadmin.OkAsync("SETQUOTA \"~dave\" ()");
        await using var dplain = await server.ConnectAsync("dplain@dept1.company.dom");
        Assert.Contains(" NO [NOPERM]", (await dplain.SendAsync("SETQUOTA \"~dave\" (STORAGE 1)")).Tagged);
    }
}
