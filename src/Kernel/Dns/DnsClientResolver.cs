using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Kernel.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MxRecord = Kernel.Abstractions.MxRecord;
using NaptrRecord = Kernel.Abstractions.NaptrRecord;
using SrvRecord = Kernel.Abstractions.SrvRecord;

namespace Kernel.Dns;

/// <summary>
/// <see cref="IDnsResolver"/> over DnsClient. Name servers come from <c>Dns:Servers</c> (a list of <c>ip</c> or
/// <c>ip:port</c>, <c>[v6]:port</c>; the system's when absent), so tests point it at a loopback dnsmasq. Each query is
/// bounded by <c>Dns:TimeoutMilliseconds</c> (default 3000) and <c>Dns:Retries</c> (default 2). The answer tells apart
/// a name that does not exist, a name without records of the type and a failure to get an answer (RFC 5321 §5.1).
/// Records come sorted by the field the protocol orders them by; randomising equal preferences (RFC 5321 §5.1) and
/// SRV weights (RFC 2782) is the caller's job, so the same answer is seen the same way everywhere.
/// </summary>
public sealed class DnsClientResolver : IDnsResolver
{
    private const int DefaultTimeoutMilliseconds = 3000;
    private const int DefaultRetries = 2;
    private const int MaxTimeoutMilliseconds = 30_000;
    private const int MaxRetries = 5;

    private readonly LookupClient _client;
    private readonly ILogger<DnsClientResolver> _logger;

    public DnsClientResolver(IConfiguration configuration, ILogger<DnsClientResolver> logger)
    {
        _logger = logger;
        var servers = ReadServers(configuration.GetSection("Dns:Servers"));
        var options = servers.Count > 0 ? new LookupClientOptions(servers.ToArray()) : new LookupClientOptions();
        options.Timeout = TimeSpan.FromMilliseconds(ReadBounded(configuration, "Dns:TimeoutMilliseconds", DefaultTimeoutMilliseconds, 100, MaxTimeoutMilliseconds));
        options.Retries = ReadBounded(configuration, "Dns:Retries", DefaultRetries, 0, MaxRetries);
        // Errors are answers here: NXDOMAIN and SERVFAIL map onto DnsStatus instead of exceptions.
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = true;
        options.ContinueOnEmptyResponse = true;
        options.UseTcpFallback = true;
        options.UseCache = true;
        options.CacheFailedResults = false;
        _client = new LookupClient(options);
        _logger.LogInformation("DNS resolver using {Servers}", string.Join(", ", _client.NameServers.Select(s => s.ToString())));
    }

    public async Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default)
    {
        var (status, answers) = await QueryAsync(domain, QueryType.MX, cancellationToken);
        // Stable sort: equal preferences keep the server's order; the transport shuffles them (RFC 5321 §5.1).
        var records = answers.OfType<DnsClient.Protocol.MxRecord>()
            .Select(r => new MxRecord(r.Preference, HostName(r.Exchange.Value)))
            .OrderBy(r => r.Preference)
            .ToList();
        return Answer(status, records);
    }

    public async Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default)
    {
        var literal = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(literal, out var address)) return new DnsAnswer<IPAddress>(DnsStatus.Ok, [address]);

        var v4 = QueryAsync(host, QueryType.A, cancellationToken);
        var v6 = QueryAsync(host, QueryType.AAAA, cancellationToken);
        var (status4, answers4) = await v4;
        var (status6, answers6) = await v6;
        var records = answers4.OfType<ARecord>().Select(r => r.Address)
            .Concat(answers6.OfType<AaaaRecord>().Select(r => r.Address))
            .ToList();
        if (records.Count > 0) return new DnsAnswer<IPAddress>(DnsStatus.Ok, records);
        // Without records, the more cautious of the two answers decides: a failure of either may hide an address.
        var status = status4 == DnsStatus.TemporaryFailure || status6 == DnsStatus.TemporaryFailure ? DnsStatus.TemporaryFailure
            : status4 == DnsStatus.NameError || status6 == DnsStatus.NameError ? DnsStatus.NameError
            : DnsStatus.NoData;
        return new DnsAnswer<IPAddress>(status, []);
    }

    public async Task<DnsAnswer<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken = default)
    {
        var (status, answers) = await QueryAsync(name, QueryType.SRV, cancellationToken);
        // RFC 2782: lowest priority first; the weighted choice within a priority is the caller's.
        var records = answers.OfType<DnsClient.Protocol.SrvRecord>()
            .Select(r => new SrvRecord(r.Priority, r.Weight, r.Port, HostName(r.Target.Value)))
            .OrderBy(r => r.Priority)
            .ToList();
        return Answer(status, records);
    }

    public async Task<DnsAnswer<NaptrRecord>> ResolveNaptrAsync(string domain, CancellationToken cancellationToken = default)
    {
        var (status, answers) = await QueryAsync(domain, QueryType.NAPTR, cancellationToken);
        // RFC 3403 §4.1: order first, then preference.
        var records = answers.OfType<DnsClient.Protocol.NAPtrRecord>()
            .Select(r => new NaptrRecord(r.Order, r.Preference, r.Flags, r.Services, r.RegularExpression, HostName(r.Replacement.Value)))
            .OrderBy(r => r.Order).ThenBy(r => r.Preference)
            .ToList();
        return Answer(status, records);
    }

    private static DnsAnswer<T> Answer<T>(DnsStatus status, List<T> records) =>
        // A response that carried only other types (a CNAME chain ending nowhere) has no data of the asked type.
        new(records.Count > 0 ? DnsStatus.Ok : status == DnsStatus.Ok ? DnsStatus.NoData : status, records);

    private async Task<(DnsStatus Status, IReadOnlyList<DnsResourceRecord> Answers)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var query = name.Trim();
        if (query.EndsWith('.')) query = query[..^1];
        if (query.Length == 0 || query.Length > 253)
        {
            _logger.LogDebug("DNS {Type} {Name}: not a valid name", type, name);
            return (DnsStatus.NameError, []);
        }

        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(query, type, QueryClass.IN, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ArgumentException ex)
        {
            // DnsClient refuses names that cannot exist (an empty or over-long label): no such name.
            _logger.LogDebug(ex, "DNS {Type} {Name}: not a valid name", type, query);
            return (DnsStatus.NameError, []);
        }
        catch (Exception ex) when (ex is DnsResponseException or SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            _logger.LogWarning("DNS {Type} {Name}: temporary failure: {Reason}", type, query, ex.Message);
            return (DnsStatus.TemporaryFailure, []);
        }

        var code = response.Header.ResponseCode;
        var status = code switch
        {
            DnsHeaderResponseCode.NoError => response.Answers.Count > 0 ? DnsStatus.Ok : DnsStatus.NoData,
            DnsHeaderResponseCode.NotExistentDomain => DnsStatus.NameError,
            // SERVFAIL, REFUSED, FORMERR and the rest: the name's state is unknown, so try again later.
            _ => DnsStatus.TemporaryFailure,
        };
        if (status == DnsStatus.TemporaryFailure)
            _logger.LogWarning("DNS {Type} {Name}: temporary failure: {Code} from {Server}", type, query, code, response.NameServer);
        else
            _logger.LogDebug("DNS {Type} {Name}: {Status}, {Count} answers", type, query, status, response.Answers.Count);
        return (status, response.Answers);
    }

    /// <summary>Host names without the root dot; the root itself (null MX, RFC 7505; "no service" SRV, RFC 2782) stays ".".</summary>
    private static string HostName(string value) =>
        value is "." or "" ? "." : value.EndsWith('.') ? value[..^1] : value;

    private static List<NameServer> ReadServers(IConfigurationSection section)
    {
        // A list (Dns:Servers:0, Dns:Servers:1 …) or one comma-separated value (handy on a command line).
        var texts = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        if (texts.Count == 0 && !string.IsNullOrWhiteSpace(section.Value)) texts.AddRange(section.Value.Split(','));
        var servers = new List<NameServer>();
        foreach (var raw in texts)
        {
            var text = raw.Trim();
            if (text.Length == 0) continue;
            if (IPAddress.TryParse(text, out var address))
                servers.Add(new NameServer(address, NameServer.DefaultPort));
            else if (IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0)
                servers.Add(new NameServer(endPoint));
            else
                throw new InvalidOperationException($"configuration Dns:Servers: '{text}' is not an ip or ip:port");
        }
        return servers;
    }

    private static int ReadBounded(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, out var value) || value < min || value > max)
            throw new InvalidOperationException($"configuration {key}: '{text}' must be a whole number from {min} to {max}");
        return value;
    }
}
