using System.Security.Cryptography;
using System.Text;
using Kernel.Abstractions;
using Microsoft.Extensions.Logging;
using Smtp.Protocol;

namespace Smtp.Server;

/// <summary>
/// AUTH (RFC 4954) with PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC 2195). The login name is routed as an
/// <c>Access</c> address (smtp.md §2.2, so aliases work); the password is checked by the account store (PLAIN,
/// LOGIN) or against its CRAM-MD5 verifier, through the kernel's login throttle.
/// </summary>
internal sealed partial class SmtpSession
{
    private async Task AuthAsync(string argument)
    {
        if (_helo is null || _account is not null || _mail is not null)
        {
            Error(SmtpReply.BadSequence);
            return;
        }
        var words = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2)
        {
            Error(SmtpReply.SyntaxError);
            return;
        }
        var mechanism = words[0].ToUpperInvariant();
        var initial = words.Length == 2 ? words[1] : null;
        if (mechanism is not ("PLAIN" or "LOGIN" or "CRAM-MD5"))
        {
            Error(new SmtpReply(504, "5.5.4", "Unrecognized authentication type"));
            return;
        }
        if (mechanism is "PLAIN" or "LOGIN" && !ClearTextAllowed)
        {
            Error(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism"));
            return;
        }
        var credentials = mechanism switch
        {
            "PLAIN" => await PlainAsync(initial),
            "LOGIN" => await LoginAsync(initial),
            _ => await CramMd5Async(initial),
        };
        if (credentials is null) return; // the reply (cancel, bad base64, closed) is already made
        await VerifyAsync(credentials.Value.User, credentials.Value.Check);
    }

    private async Task<(string User, Func<AccountAddress, Task<bool>> Check)?> PlainAsync(string? initial)
    {
        var response = initial ?? await ChallengeAsync("");
        if (response is null) return null;
        var decoded = response == "=" ? "" : Decode(response);
        if (decoded is null) return null;
        // RFC 4616 §2: [authzid] NUL authcid NUL passwd; acting for another identity is not offered.
        var parts = decoded.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || (parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase)))
        {
            Error(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
            return null;
        }
        var password = parts[2];
        return (parts[1], account => _services.Accounts.VerifyPasswordAsync(account, password, _drain));
    }

    private async Task<(string User, Func<AccountAddress, Task<bool>> Check)?> LoginAsync(string? initial)
    {
        var userText = initial ?? await ChallengeAsync("Username:");
        if (userText is null) return null;
        var user = Decode(userText);
        if (user is null) return null;
        var passwordText = await ChallengeAsync("Password:");
        if (passwordText is null) return null;
        var password = Decode(passwordText);
        if (password is null) return null;
        return (user, account => _services.Accounts.VerifyPasswordAsync(account, password, _drain));
    }

    private async Task<(string User, Func<AccountAddress, Task<bool>> Check)?> CramMd5Async(string? initial)
    {
        if (initial is not null)
        {
            // RFC 2195: the server speaks first; an initial response is a protocol error.
            Error(new SmtpReply(501, "5.5.2", "CRAM-MD5 takes no initial response"));
            return null;
        }
        var challenge = $"<{RandomNumberGenerator.GetInt32(int.MaxValue)}.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}@{ServerName}>";
        var text = await ChallengeAsync(challenge);
        if (text is null) return null;
        var response = Decode(text);
        if (response is null) return null;
        var space = response.LastIndexOf(' ');
        if (space <= 0)
        {
            Error(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
            return null;
        }
        var digest = response[(space + 1)..];
        return (response[..space], async account =>
        {
            var verifier = await _services.Accounts.GetCredentialVerifierAsync(account, CredentialMechanism.CramMd5, null, _drain);
            return verifier is not null && CramMd5Secret.Verify(verifier.Value, challenge, digest);
        });
    }

    private async Task VerifyAsync(string user, Func<AccountAddress, Task<bool>> check)
    {
        var login = user.Trim().ToLowerInvariant();
        var permit = await _services.Throttle.BeforeAttemptAsync(ClientIp, login, _drain);
        if (!permit.Allowed)
        {
            Error(new SmtpReply(454, "4.7.0", $"Too many failed logins; try again in {Math.Ceiling(permit.RetryAfter.TotalMinutes)} minutes"));
            return;
        }
        var account = await ResolveLoginAsync(login);
        if (account is not null && await check(account))
        {
            _services.Throttle.RecordSuccess(ClientIp, login);
            _account = account;
            _services.Logger.LogInformation("smtp {ConnectionId}: {Client} authenticated as {Account}", _connection.Id, ClientIp, account);
            Reply(new SmtpReply(235, "2.7.0", "Authentication successful"));
            return;
        }
        _services.Throttle.RecordFailure(ClientIp, login);
        _services.Logger.LogInformation("smtp {ConnectionId}: failed login for {Login} from {Client}", _connection.Id, login, ClientIp);
        Error(new SmtpReply(535, "5.7.8", "Authentication credentials invalid"));
    }

    /// <summary>smtp.md §2.2: the login name is routed with kind Access, so account aliases and Access: records work.</summary>
    private async Task<AccountAddress?> ResolveLoginAsync(string login)
    {
        if (login.Length == 0) return null;
        var decision = await _services.Router.RouteAsync(new RouteRequest(login, RouteKind.Access, Source), _drain);
        return decision.Result is RouteResult.Local local ? local.Account : null;
    }

    /// <summary>Sends a <c>334</c> challenge and reads the answer; null (with the reply made) on cancel or a closed connection.</summary>
    private async Task<string?> ChallengeAsync(string challenge)
    {
        Reply(new SmtpReply(334, null, Convert.ToBase64String(Encoding.UTF8.GetBytes(challenge))));
        var (status, line) = await ReadCommandAsync(MaxSaslLine);
        if (status == CommandLineStatus.Closed)
        {
            _closing = true;
            return null;
        }
        if (status != CommandLineStatus.Line)
        {
            Error(new SmtpReply(500, "5.5.2", "Authentication line too long or malformed"));
            return null;
        }
        if (line == "*")
        {
            Error(new SmtpReply(501, "5.0.0", "Authentication cancelled"));
            return null;
        }
        return line;
    }

    private string? Decode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            Error(new SmtpReply(501, "5.5.2", "Cannot decode base64 response"));
            return null;
        }
    }
}
