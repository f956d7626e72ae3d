using Kernel.Abstractions;
using Smtp.Protocol;

namespace Smtp.Tests.Protocol;

/// <summary>MAIL/RCPT paths and ESMTP parameters: SIZE, BODY, SMTPUTF8, RET/ENVID/NOTIFY/ORCPT (RFC 3461), AUTH=.</summary>
public sealed class PathCommandParserTests
{
    [Fact]
    public void ParsesEveryMailParameter()
    {
        Assert.True(PathCommandParser.TryParseMail("FROM:<a@b.dom> SIZE=5000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=a+40b.dom", out var mail, out _));
        Assert.Equal("a@b.dom", mail!.ReversePath);
        Assert.Equal(5000, mail.Size);
        Assert.Equal(MessageBodyType.EightBitMime, mail.Body);
        Assert.True(mail.SmtpUtf8);
        Assert.Equal(DsnReturn.Headers, mail.Return);
        Assert.Equal("QQ+1", mail.EnvelopeId);
        Assert.Equal("a@b.dom", mail.Auth);
    }

    [Theory]
    [InlineData("FROM:<>", "")]
    [InlineData("from: <A@B.dom>", "A@B.dom")]
    [InlineData("FROM:<@relay.dom:user@b.dom>", "user@b.dom")]   // RFC 5321 §C: the source route is dropped
    [InlineData("FROM:<a@[127.0.0.1]> BODY=BINARYMIME", "a@[127.0.0.1]")]
    public void AcceptsReversePaths(string argument, string path)
    {
        Assert.True(PathCommandParser.TryParseMail(argument, out var mail, out var error), error?.ToString());
        Assert.Equal(path, mail!.ReversePath);
    }

    [Theory]
    [InlineData("FROM:a@b.dom", "501 5.1.7")]
    [InlineData("FROM:<a@b.dom", "501 5.1.7")]
    [InlineData("FROM:<a@@b.dom>", "501 5.1.7")]
    [InlineData("FROM:<nodomain>", "501 5.1.7")]
    [InlineData("TO:<a@b.dom>", "501 5.5.4")]
    [InlineData("FROM:<a@b.dom> SIZE=big", "501 5.5.4")]
    [InlineData("FROM:<a@b.dom> BODY=9BIT", "501 5.5.4")]
    [InlineData("FROM:<a@b.dom> RET=ALL", "501 5.5.4")]
    [InlineData("FROM:<a@b.dom> SIZE=1 SIZE=2", "501 5.5.4")]
    [InlineData("FROM:<a@b.dom> XFORWARD=1", "555 5.5.4")]
    [InlineData("FROM:<jörg@b.dom>", "553 5.6.7")]
    public void RefusesBadMailCommands(string argument, string reply)
    {
        Assert.False(PathCommandParser.TryParseMail(argument, out _, out var error));
        Assert.StartsWith(reply, error!.ToString());
    }

    [Theory]
    [InlineData("TO:<postmaster>", "postmaster")]
    [InlineData("TO:<@a.dom,@b.dom:u@c.dom>", "@a.dom,@b.dom:u@c.dom")]
    [InlineData("TO:<\"x y\"@b.dom>", "\"x y\"@b.dom")]
    [InlineData("TO:<u@[127.0.0.1]>", "u@[127.0.0.1]")]
    [InlineData("TO:<a!b!c>", "a!b!c")]
    public void KeepsForwardPathsForTheRouter(string argument, string path)
    {
        Assert.True(PathCommandParser.TryParseRcpt(argument, false, out var rcpt, out var error), error?.ToString());
        Assert.Equal(path, rcpt!.ForwardPath);
    }

    [Fact]
    public void ParsesDsnRecipientParameters()
    {
        Assert.True(PathCommandParser.TryParseRcpt("TO:<a@b.dom> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+2Bx@b.dom", false, out var rcpt, out _));
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, rcpt!.Notify);
        Assert.Equal("rfc822;a+x@b.dom", rcpt.OriginalRecipient);
        Assert.True(PathCommandParser.TryParseRcpt("TO:<jörg@b.dom>", true, out _, out _));
    }

    [Theory]
    [InlineData("TO:<user@other.dom@our.dom>", "501 5.1.3")]
    [InlineData("TO:<@our.dom>", "501 5.1.3")]
    [InlineData("TO:<>", "501 5.1.3")]
    [InlineData("TO:<a@b.dom> NOTIFY=NEVER,SUCCESS", "501 5.5.4")]
    [InlineData("TO:<a@b.dom> NOTIFY=", "501 5.5.4")]
    [InlineData("TO:<a@b.dom> ORCPT=nosemicolon", "501 5.5.4")]
    [InlineData("TO:<a@b.dom> FOO", "555 5.5.4")]
    [InlineData("TO:<jörg@b.dom>", "553 5.6.7")]
    public void RefusesBadRecipients(string argument, string reply)
    {
        Assert.False(PathCommandParser.TryParseRcpt(argument, false, out _, out var error));
        Assert.StartsWith(reply, error!.ToString());
    }
}
