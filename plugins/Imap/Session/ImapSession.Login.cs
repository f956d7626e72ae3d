using System.Text;
using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>LOGIN and AUTHENTICATE PLAIN (RFC 3501 §6.2, RFC 4616, RFC 4959 SASL-IR) through the kernel's login throttle.</summary>
internal sealed partial class ImapSession
{
    private async Task LoginAsync(string tag, CommandParser p, CancellationToken ct)
    {
        p.Space();
        var user = p.AString();
        p.Space();
        var password = p.AString();
        p.End();
        if (CleartextLoginRefused(tag)) return;
        await CheckCredentialsAsync(tag, user, password, ct);
    }

    /// <summary>
    /// <c>Imap:LoginDisabledWithoutTls</c>: no password over a connection without TLS (RFC 3501 §6.2.3 LOGINDISABLED,
    /// RFC 5530 PRIVACYREQUIRED); the client is to use STARTTLS first.
    /// </summary>
    private bool CleartextLoginRefused(string tag)
    {
        if (!LoginDisabled) return false;
        _out.Raw(tag).Raw(" NO [PRIVACYREQUIRED] Use STARTTLS before logging in\r\n");
        return true;
    }

    private bool LoginDisabled => services.LoginDisabledWithoutTls && connection.Tls is null;

    private async Task<bool> AuthenticateAsync(string tag, CommandParser p, CancellationToken ct)
    {
        p.Space();
        var mechanism = p.Atom();
        if (!mechanism.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            _out.Raw(tag).Raw(" NO [CANNOT] Unsupported authentication mechanism\r\n");
            return true;
        }
        if (CleartextLoginRefused(tag)) return true; // before any continuation: the client must not send the password
        string response;
        if (p.TryChar(' '))
        {
            response = p.Atom();
            p.End();
        }
        else
        {
            p.End();
            _out.Raw("+ \r\n");
            await _out.FlushAsync(ct);
            var (status, line) = await CommandReader.ReadLineAsync(connection.Input, _limits.MaxLineLength, ct);
            if (status == LineStatus.EndOfStream) return false;
            if (status == LineStatus.TooLong) throw new ImapParseException("Authentication response too long");
            response = Encoding.ASCII.GetString(line);
        }
        // RFC 4959: "=" is an empty initial response; RFC 3501 §6.2.2: "*" cancels.
        if (response == "*")
        {
            _out.Raw(tag).Raw(" BAD Authentication cancelled\r\n");
            return true;
        }
        byte[] decoded;
        try
        {
            decoded = response == "=" ? [] : Convert.FromBase64String(response);
        }
        catch (FormatException)
        {
            _out.Raw(tag).Raw(" BAD Invalid base64 in the authentication response\r\n");
            return true;
        }
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            _out.Raw(tag).Raw(" BAD Malformed PLAIN response\r\n");
            return true;
        }
        // Authorization as somebody else is not offered: authzid must be empty or the same name.
        if (parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase))
        {
            _out.Raw(tag).Raw(" NO [AUTHORIZATIONFAILED] Authorization identity not allowed\r\n");
            return true;
        }
        await CheckCredentialsAsync(tag, parts[1], parts[2], ct);
        return true;
    }

    private async Task CheckCredentialsAsync(string tag, string user, string password, CancellationToken ct)
    {
        var ip = connection.RemoteEndPoint.Address;
        var permit = await services.Throttle.BeforeAttemptAsync(ip, user, ct);
        if (!permit.Allowed)
        {
            _out.Raw(tag).Raw(" NO [UNAVAILABLE] Too many failed logins; try again later\r\n");
            return;
        }
        var account = await ResolveLoginAsync(user, ct);
        if (account is null || !await services.Accounts.VerifyPasswordAsync(account, password, ct))
        {
            services.Throttle.RecordFailure(ip, user);
            _out.Raw(tag).Raw(" NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
            return;
        }
        services.Throttle.RecordSuccess(ip, user);
        _account = account;
        _principal = Principal.User(account);
        _state = SessionState.Authenticated;
        _out.Raw(tag).Raw(" OK [CAPABILITY ").Raw(Capabilities).Raw("] Logged in\r\n");
    }

    /// <summary>The login name as an Access address through the Router (router.md): only a local account can log in.</summary>
    private async Task<AccountAddress?> ResolveLoginAsync(string user, CancellationToken ct)
    {
        if (user.Length is 0 or > 320) return null;
        var source = new RequestSource
        {
            ClientIp = connection.RemoteEndPoint.Address,
            Class = SourceClass.Untrusted,
            Tls = connection.Tls is not null,
            TlsProtocol = connection.Tls?.Protocol,
            TlsCipher = connection.Tls?.CipherSuite,
            Protocol = "imap",
            ListenerRole = connection.Role,
        };
        var decision = await services.Router.RouteAsync(new RouteRequest(user, RouteKind.Access, source), ct);
        return decision.Result is RouteResult.Local local ? local.Account : null;
    }
}
