using System.Text.Json;
using Kernel.Abstractions;

namespace Router;

/// <summary>How <c>kernel route test</c> prints a decision: the Guide's display form, the relay verdict, the trace.</summary>
internal static class RouteTestOutput
{
    /// <summary>The Guide's form (<c>LOCAL(alice@domain.dom)</c>, <c>SMTP(friend.com)bob@friend.com</c>); a reject as its SMTP code and enhanced code (router.md §10).</summary>
    public static string Display(RouteResult result, RouteKind kind = RouteKind.Mail) => result switch
    {
        RouteResult.Reject reject when kind == RouteKind.Signal => $"{SipCode(reject.Reason)} {reject.Text}",
        RouteResult.Discard when kind == RouteKind.Signal => $"404 {result.Display}",
        RouteResult.Reject reject => $"{SmtpCode(reject.Reason)} {reject.EnhancedStatus} {reject.Text}",
        RouteResult.Remote { Held: true } remote => remote.Display + " (held)",
        _ => result.Display,
    };

    public static int SmtpCode(RejectReason reason) => reason switch
    {
        RejectReason.BadSyntax => 501,
        RejectReason.Loop => 554,
        RejectReason.TempFailure => 451,
        _ => 550,
    };

    /// <summary>router.md §10, the SIP column: what a signal request is answered with.</summary>
    public static int SipCode(RejectReason reason) => reason switch
    {
        RejectReason.Blocked => 403,
        RejectReason.BadSyntax => 400,
        RejectReason.Loop => 482,
        RejectReason.TempFailure => 500,
        _ => 404, // UnknownUser, UnknownDomain
    };

    public static async Task WriteTextAsync(TextWriter output, RouteDecision decision, bool trace, RouteKind kind = RouteKind.Mail)
    {
        await output.WriteLineAsync(Display(decision.Result, kind));
        await output.WriteLineAsync(decision.Relay.ToString());
        if (!trace) return;
        foreach (var step in decision.Trace)
        {
            var record = step.Record is null ? "" : $" [{step.Record}]";
            var grant = step.Grant is null ? "" : $" grant {step.Grant}";
            await output.WriteLineAsync($"  {step.Step}: {step.Before} -> {step.After}{record}{grant}");
        }
    }

    public static async Task WriteJsonAsync(TextWriter output, RouteDecision decision, RouteKind kind = RouteKind.Mail)
    {
        var result = decision.Result;
        var json = new Dictionary<string, object?>
        {
            ["display"] = Display(result, kind),
            ["type"] = result.GetType().Name,
            ["relay"] = new Dictionary<string, object?> { ["allowed"] = decision.Relay.Allowed, ["reason"] = decision.Relay.Reason },
            ["trace"] = decision.Trace.Select(s => new Dictionary<string, object?>
            {
                ["step"] = s.Step, ["record"] = s.Record, ["before"] = s.Before, ["after"] = s.After, ["grant"] = s.Grant,
            }).ToArray(),
        };
        switch (result)
        {
            case RouteResult.Local local:
                json["account"] = local.Account.ToString();
                break;
            case RouteResult.Remote remote:
                json["transport"] = remote.Transport;
                json["queue"] = remote.Queue;
                json["host"] = remote.Host;
                json["port"] = remote.Port;
                json["isIpLiteral"] = remote.IsIpLiteral;
                json["skipMxSrv"] = remote.SkipMxSrv;
                json["recipient"] = remote.Recipient;
                json["held"] = remote.Held;
                break;
            case RouteResult.Discard when kind == RouteKind.Signal:
                json["code"] = 404;
                break;
            case RouteResult.Reject reject:
                json["reason"] = reject.Reason.ToString();
                json["code"] = kind == RouteKind.Signal ? SipCode(reject.Reason) : SmtpCode(reject.Reason);
                json["enhancedStatus"] = reject.EnhancedStatus;
                json["text"] = reject.Text;
                break;
        }
        await output.WriteLineAsync(JsonSerializer.Serialize(json));
    }
}
