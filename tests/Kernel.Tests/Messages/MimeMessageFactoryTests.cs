using System.Net;
using System.Text;
using Kernel.Abstractions;
using Kernel.Messages;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace Kernel.Tests.Messages;

public sealed class MimeMessageFactoryTests
{
    private const string Original =
        "From: Alice <alice@test.dom>\r\n" +
        "To: bob@remote.example\r\n" +
        "Subject: Lunch\r\n" +
        "Message-ID: <orig-1@test.dom>\r\n" +
        "\r\n" +
        "See you at noon.\r\n";

    private static MimeMessageFactory Factory(string? hostName = "mx.test.dom", string? returnLimit = null) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kernel:HostName"] = hostName,
            ["Kernel:DsnReturnLimitBytes"] = returnLimit,
        }).Build());

    private static DsnRequest Request(DsnReturn ret = DsnReturn.Default, string? envelopeId = "env-42", string body = Original, params DsnRecipientStatus[] recipients) =>
        new(
            new Envelope
            {
                Sender = "alice@test.dom",
                Recipients = [new EnvelopeRecipient { Address = "bob@remote.example", OriginalRecipient = "rfc822;bob@remote.example" }],
                Source = new RequestSource { ClientIp = IPAddress.Loopback, Class = SourceClass.Trusted },
                EnvelopeId = envelopeId,
                Return = ret,
            },
            MessageBody.FromBytes(Encoding.UTF8.GetBytes(body)),
            "mx.test.dom",
            new DateTimeOffset(2025, 3, 4, 10, 20, 30, TimeSpan.Zero),
            recipients.Length > 0 ? recipients : [new DsnRecipientStatus("bob@remote.example", "rfc822;bob+2Bx@remote.example", DsnAction.Failed, "5.1.1", "mx.remote.example", "550 5.1.1 <bob@remote.example>: user unknown")]);

    private static (MimeMessage Message, byte[] Bytes) Parse(GeneratedMessage generated)
    {
        using var stream = generated.Body.OpenRead();
        var bytes = new byte[generated.Body.Length];
        stream.ReadExactly(bytes);
        return (MimeMessage.Load(new MemoryStream(bytes)), bytes);
    }

    private static void AssertCrLfOnly(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n') Assert.True(i > 0 && bytes[i - 1] == '\r', $"bare LF at byte {i}");
            if (bytes[i] == '\r') Assert.True(i + 1 < bytes.Length && bytes[i + 1] == '\n', $"bare CR at byte {i}");
        }
    }

    [Fact]
    public void Dsn_is_a_multipart_report_from_the_postmaster_with_a_null_reverse_path()
    {
        var generated = Factory().BuildDeliveryStatusNotification(Request());
        var (message, bytes) = Parse(generated);

        Assert.Equal("", generated.Sender);
        Assert.Equal(["alice@test.dom"], generated.Recipients);
        Assert.Equal("postmaster@mx.test.dom", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("alice@test.dom", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal("Delivery Status Notification (Failure)", message.Subject);
        Assert.EndsWith("@mx.test.dom", message.MessageId);
        Assert.Contains("orig-1@test.dom", message.References);
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        var human = Assert.IsType<TextPart>(report[0]);
        Assert.Contains("bob@remote.example", human.Text);
        Assert.Contains("5.1.1", human.Text);
        AssertCrLfOnly(bytes);
        Assert.Equal(bytes.Length, generated.Body.Length);
    }

    [Fact]
    public void Delivery_status_has_the_per_message_and_per_recipient_fields()
    {
        var (message, _) = Parse(Factory().BuildDeliveryStatusNotification(Request()));
        var status = Groups(Report(message)[1]);

        Assert.Equal(2, status.Count);
        var perMessage = status[0];
        Assert.Equal("env-42", perMessage["Original-Envelope-Id"]!.Trim());
        Assert.Equal("dns; mx.test.dom", perMessage["Reporting-MTA"]!.Trim());
        Assert.True(MimeKit.Utils.DateUtils.TryParse(perMessage["Arrival-Date"], out var arrival));
        Assert.Equal(new DateTimeOffset(2025, 3, 4, 10, 20, 30, TimeSpan.Zero), arrival);

        var recipient = status[1];
        Assert.Equal("rfc822; bob+x@remote.example", recipient["Original-Recipient"]!.Trim());
        Assert.Equal("rfc822; bob@remote.example", recipient["Final-Recipient"]!.Trim());
        Assert.Equal("failed", recipient["Action"]!.Trim());
        Assert.Equal("5.1.1", recipient["Status"]!.Trim());
        Assert.Equal("dns; mx.remote.example", recipient["Remote-MTA"]!.Trim());
        Assert.Equal("smtp; 550 5.1.1 <bob@remote.example>: user unknown", recipient["Diagnostic-Code"]!.Trim());
    }

    [Fact]
    public void Optional_fields_are_left_out_when_unknown()
    {
        var request = Request(envelopeId: null, recipients: new DsnRecipientStatus("carol@remote.example", null, DsnAction.Delayed, "4.4.1"));
        var (message, _) = Parse(Factory().BuildDeliveryStatusNotification(request));
        var status = Groups(Report(message)[1]);

        Assert.False(status[0].Contains("Original-Envelope-Id"));
        var recipient = status[1];
        Assert.False(recipient.Contains("Original-Recipient"));
        Assert.False(recipient.Contains("Remote-MTA"));
        Assert.False(recipient.Contains("Diagnostic-Code"));
        Assert.Equal("delayed", recipient["Action"]!.Trim());
        Assert.Equal("Delivery Status Notification (Delay)", message.Subject);
    }

    [Fact]
    public void Every_recipient_gets_its_own_group_and_a_multi_line_reply_stays_one_field()
    {
        var request = Request(recipients:
        [
            new DsnRecipientStatus("a@remote.example", null, DsnAction.Failed, "5.1.1", "mx.remote.example", "550-5.1.1 first line\r\n550 5.1.1 second line"),
            new DsnRecipientStatus("b@remote.example", null, DsnAction.Relayed, "2.0.0", "mx.remote.example", "smtp; 250 ok"),
        ]);
        var (message, bytes) = Parse(Factory().BuildDeliveryStatusNotification(request));
        var status = Groups(Report(message)[1]);

        Assert.Equal(3, status.Count);
        Assert.Equal("smtp; 550-5.1.1 first line 550 5.1.1 second line", Unfold(status[1]["Diagnostic-Code"]));
        Assert.Equal("relayed", status[2]["Action"]!.Trim());
        Assert.Equal("smtp; 250 ok", status[2]["Diagnostic-Code"]!.Trim());
        Assert.Equal("Delivery Status Notification", message.Subject);
        AssertCrLfOnly(bytes);
    }

    [Theory]
    [InlineData(DsnReturn.Full, DsnAction.Delivered, true)]
    [InlineData(DsnReturn.Headers, DsnAction.Failed, false)]
    [InlineData(DsnReturn.Default, DsnAction.Failed, true)]   // RFC 3461 §4.3: a failure returns the message
    [InlineData(DsnReturn.Default, DsnAction.Delayed, false)] // other reports: headers only
    public void Third_part_follows_ret(DsnReturn ret, DsnAction action, bool full)
    {
        var request = Request(ret, recipients: new DsnRecipientStatus("bob@remote.example", null, action, action == DsnAction.Failed ? "5.0.0" : "2.0.0"));
        var (message, bytes) = Parse(Factory().BuildDeliveryStatusNotification(request));
        var third = Report(message)[2];

        if (full)
        {
            var part = Assert.IsType<MessagePart>(third);
            Assert.Equal("message/rfc822", part.ContentType.MimeType);
            Assert.Equal("Lunch", part.Message!.Subject);
            Assert.Equal("See you at noon.", part.Message!.TextBody!.TrimEnd());
        }
        else
        {
            Assert.Equal("text/rfc822-headers", third.ContentType.MimeType);
            var text = Encoding.UTF8.GetString(bytes);
            Assert.Contains("Subject: Lunch", text);
            Assert.DoesNotContain("See you at noon.", text);
        }
    }

    [Fact]
    public void An_original_over_the_return_limit_comes_back_as_headers_only()
    {
        var request = Request(DsnReturn.Full);
        var (message, _) = Parse(Factory(returnLimit: "10").BuildDeliveryStatusNotification(request));

        Assert.Equal("text/rfc822-headers", Report(message)[2].ContentType.MimeType);
    }

    [Fact]
    public void An_original_with_bare_line_feeds_is_returned_with_crlf()
    {
        var request = Request(DsnReturn.Full, body: Original.Replace("\r\n", "\n"));
        var (message, bytes) = Parse(Factory().BuildDeliveryStatusNotification(request));

        AssertCrLfOnly(bytes);
        Assert.Equal("Lunch", Assert.IsType<MessagePart>(Report(message)[2]).Message!.Subject);
    }

    [Fact]
    public void No_dsn_to_the_null_reverse_path()
    {
        var request = Request() with { Original = Request().Original with { Sender = "" } };

        Assert.Throws<ArgumentException>(() => Factory().BuildDeliveryStatusNotification(request));
    }

    [Fact]
    public void Host_name_defaults_to_the_machine_name()
    {
        var (message, _) = Parse(Factory(hostName: null).BuildDeliveryStatusNotification(Request()));

        Assert.Equal($"postmaster@{Environment.MachineName.ToLowerInvariant()}", message.From.Mailboxes.Single().Address);
    }

    private static readonly KeyValuePair<string, string>[] OriginalHeaders =
    [
        new("From", "Bob <bob@remote.example>"),
        new("To", "alice@test.dom, Carol <carol@test.dom>"),
        new("Cc", "dave@other.example"),
        new("Subject", "Plans"),
        new("Message-ID", "<m2@remote.example>"),
        new("References", "<m0@remote.example> <m1@remote.example>"),
    ];

    [Fact]
    public void Reply_has_rfc3834_headers_and_a_null_reverse_path()
    {
        var generated = Factory().BuildReply(new ReplyRequest("bob@remote.example", "Alice <alice@test.dom>", "Plans", "Away until Monday.\nRegards"), OriginalHeaders);
        var (message, bytes) = Parse(generated);

        Assert.Equal("", generated.Sender);
        Assert.Equal(["bob@remote.example"], generated.Recipients);
        Assert.Equal("Re: Plans", message.Subject);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.Equal("m2@remote.example", message.InReplyTo);
        Assert.Equal(["m0@remote.example", "m1@remote.example", "m2@remote.example"], message.References);
        Assert.Equal("alice@test.dom", message.From.Mailboxes.Single().Address);
        Assert.Equal("Alice", message.From.Mailboxes.Single().Name);
        Assert.Equal("bob@remote.example", message.To.Mailboxes.Single().Address);
        Assert.Empty(message.Cc);
        Assert.Equal("Away until Monday.\nRegards", message.TextBody!.TrimEnd().ReplaceLineEndings("\n"));
        AssertCrLfOnly(bytes);
    }

    [Theory]
    [InlineData("Re: Plans", "Re: Plans")]
    [InlineData("RE: Plans", "RE: Plans")]
    [InlineData("", "Re: ")]
    public void Reply_subject_gets_one_re(string original, string expected)
    {
        var (message, _) = Parse(Factory().BuildReply(new ReplyRequest("bob@remote.example", "alice@test.dom", original, "x"), OriginalHeaders));

        Assert.Equal(expected.Trim(), message.Subject!.Trim());
    }

    [Fact]
    public void Reply_without_references_uses_the_message_id_alone()
    {
        KeyValuePair<string, string>[] headers = [new("message-id", "<solo@remote.example>")];
        var (message, _) = Parse(Factory().BuildReply(new ReplyRequest("bob@remote.example", "alice@test.dom", "Hi", "x"), headers));

        Assert.Equal("solo@remote.example", message.InReplyTo);
        Assert.Equal(["solo@remote.example"], message.References);
    }

    [Fact]
    public void Reply_to_all_adds_to_and_cc_except_the_account_itself()
    {
        var generated = Factory().BuildReply(new ReplyRequest("bob@remote.example", "alice@test.dom", "Plans", "x", ReplyAll: true), OriginalHeaders);
        var (message, _) = Parse(generated);

        Assert.Equal(["bob@remote.example", "carol@test.dom", "dave@other.example"], generated.Recipients);
        Assert.Equal(["carol@test.dom", "dave@other.example"], message.Cc.Mailboxes.Select(m => m.Address));
    }

    // MimeKit writes a blank line after the last group and reads it back as one more, empty, group.
    private static List<HeaderList> Groups(MimeEntity entity) =>
        Assert.IsType<MessageDeliveryStatus>(entity).StatusGroups.Where(g => g.Count > 0).ToList();

    private static MultipartReport Report(MimeMessage message) => Assert.IsType<MultipartReport>(message.Body);

    private static string Unfold(string? value) => string.Join(' ', (value ?? "").Split(["\r\n", "\n"], StringSplitOptions.None).Select(l => l.Trim())).Trim();
}
