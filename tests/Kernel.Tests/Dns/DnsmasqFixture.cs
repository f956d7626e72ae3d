namespace Kernel.Tests.Dns;

/// <summary>One dnsmasq for the DNS tests, with the zone they query.</summary>
public sealed class DnsmasqFixture : IDisposable
{
    public DnsmasqFixture()
    {
        Server = DnsmasqServer.Start(
        [
            // Everything under .test that is not listed below is NXDOMAIN; other names get REFUSED (no upstream).
            "--local=/test/",
            "--mx-host=mail.test,mx2.mail.test,20",
            "--mx-host=mail.test,mx1.mail.test,10",
            "--mx-host=mail.test,mx3.mail.test,30",
            "--host-record=mx1.mail.test,127.0.0.11",
            "--host-record=both.test,127.0.0.12,::1",
            "--host-record=nomx.test,127.0.0.13",
            "--srv-host=_sip._udp.sip.test,sip2.sip.test,5062,20,10",
            "--srv-host=_sip._udp.sip.test,sip1.sip.test,5060,10,60",
            "--srv-host=_sip._udp.sip.test,sip0.sip.test,5070,5,0",
            "--naptr-record=sip.test,20,10,S,SIP+D2T,,_sip._tcp.sip.test",
            "--naptr-record=sip.test,10,50,S,SIP+D2U,,_sip._udp.sip.test",
            "--naptr-record=sip.test,10,40,S,SIPS+D2T,,_sips._tcp.sip.test",
        ]);
    }

    public DnsmasqServer Server { get; }

    public void Dispose() => Server.Dispose();
}
