namespace Kernel.Abstractions;

/// <summary>One question to the Router. <see cref="IsDialogCreating"/>: a SIP INVITE or the like, for <c>Call:</c> records.</summary>
public sealed record RouteRequest(string Address, RouteKind Kind, RequestSource Source, bool IsDialogCreating = false, bool WithTrace = false);
