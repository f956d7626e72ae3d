namespace Imap.Session;

/// <summary>RFC 3501 §3 connection states.</summary>
internal enum SessionState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}
