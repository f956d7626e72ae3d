namespace Rules;

/// <summary>The actions of rules.md §6 that v1 carries out.</summary>
internal enum ActionKind
{
    StoreIn,
    Mark,
    AddHeader,
    TagSubject,
    Discard,
    StopProcessing,
    RememberFrom,
    RejectWith,
    MirrorTo,
    RedirectTo,
    ForwardTo,
    ReplyWith,
    ReplyToAllWith,
}
