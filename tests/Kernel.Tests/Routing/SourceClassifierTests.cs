using System.Net;
using Kernel.Abstractions;
using Kernel.Plugins;
using Kernel.Routing;
using Kernel.Tests.Queue.Fakes;

namespace Kernel.Tests.Routing;

/// <summary>
/// The classifier plugins import (the kernel's CurrentRouter): the active router's when it classifies, else the
/// kernel default (loopback, authenticated and internal sources are Trusted; smtp.md §5.1 default Client IP list).
/// </summary>
public sealed class SourceClassifierTests
{
    private static RequestSource From(string ip, AccountAddress? account = null) =>
        new() { ClientIp = IPAddress.Parse(ip), Class = SourceClass.Untrusted, AuthenticatedAccount = account, Protocol = "smtp" };

    [Theory]
    [InlineData("127.0.0.1", SourceClass.Trusted)]
    [InlineData("::1", SourceClass.Trusted)]
    [InlineData("::ffff:127.0.0.1", SourceClass.Trusted)]
    [InlineData("127.0.0.2", SourceClass.Untrusted)]
    [InlineData("198.51.100.7", SourceClass.Untrusted)]
    public void Default_trusts_only_the_loopback_addresses(string ip, SourceClass expected)
    {
        var classifier = new CurrentRouter(new FakeKernelExtensions());
        Assert.Equal(expected, classifier.Classify(From(ip)));
        Assert.Equal(expected == SourceClass.Trusted, classifier.IsClientAddress(IPAddress.Parse(ip)));
    }

    [Fact]
    public void Default_trusts_authenticated_and_internal_sources_from_anywhere()
    {
        var classifier = new CurrentRouter(new FakeKernelExtensions());
        Assert.Equal(SourceClass.Trusted, classifier.Classify(From("198.51.100.7", new AccountAddress("alice", "domain.dom"))));
        Assert.Equal(SourceClass.Trusted, classifier.Classify(RequestSource.InternalSource("CLI")));
        Assert.False(classifier.IsClientAddress(null));
    }

    [Fact]
    public void A_router_that_classifies_answers_instead_of_the_default()
    {
        var classifier = new CurrentRouter(new FakeKernelExtensions { Router = new EveryoneTrustedRouter() });
        Assert.Equal(SourceClass.Trusted, classifier.Classify(From("198.51.100.7")));
        Assert.True(classifier.IsClientAddress(IPAddress.Parse("198.51.100.7")));
    }

    private sealed class EveryoneTrustedRouter : IAddressRouter, ISourceClassifier
    {
        public ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public bool IsClientAddress(IPAddress? clientIp) => true;

        public SourceClass Classify(RequestSource source) => SourceClass.Trusted;
    }
}
