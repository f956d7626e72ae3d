namespace Rules;

/// <summary>A condition name of rules.md §5 with the operations it takes and where it may be used.</summary>
internal sealed record ConditionSpec(string Name, DataKind Kind, IReadOnlyList<string> Operations, RuleScope Scopes);

/// <summary>An action verb of rules.md §6: whether it takes a parameter, where it may be used and the class a user needs (§7).</summary>
internal sealed record ActionSpec(string Name, ActionKind Kind, bool TakesParameter, RuleScope Scopes, ActionClass Class);

/// <summary>
/// The vocabulary of E-mail rules (rules.md §5, §6): names are matched case-insensitively and written back in this
/// spelling (§9.1). Names the Guide knows but v1 does not carry out are kept apart so saving them gives a clear error.
/// </summary>
internal static class Vocabulary
{
    public const string Is = "is", IsNot = "is not", In = "in", NotIn = "not in", GreaterThan = "greater than", LessThan = "less than";

    private static readonly string[] Pictures = [Is, IsNot, In, NotIn];
    private static readonly string[] Numbers = [GreaterThan, LessThan];

    public static IReadOnlyList<ConditionSpec> Conditions { get; } =
    [
        new("From", DataKind.FirstAddress, Pictures, RuleScope.All),
        new("Sender", DataKind.FirstAddress, Pictures, RuleScope.All),
        new("Reply-To", DataKind.FirstAddress, Pictures, RuleScope.All),
        new("To", DataKind.AllAddresses, Pictures, RuleScope.All),
        new("Cc", DataKind.AllAddresses, Pictures, RuleScope.All),
        new("Any To or Cc", DataKind.AnyToCc, Pictures, RuleScope.All),
        new("Each To or Cc", DataKind.EachToCc, Pictures, RuleScope.All),
        new("Return-Path", DataKind.ReturnPath, Pictures, RuleScope.All),
        new("Any Recipient", DataKind.AnyRecipient, Pictures, RuleScope.All),
        new("Each Recipient", DataKind.EachRecipient, Pictures, RuleScope.All),
        new("'From' Name", DataKind.FromName, Pictures, RuleScope.All),
        new("Subject", DataKind.DecodedHeader, Pictures, RuleScope.All),
        new("Message-ID", DataKind.DecodedHeader, Pictures, RuleScope.All),
        new("Header Field", DataKind.HeaderField, Pictures, RuleScope.All),
        new("Message Size", DataKind.MessageSize, Numbers, RuleScope.All),
        new("Human Generated", DataKind.HumanGenerated, [], RuleScope.All),
        new("Time Of Day", DataKind.TimeOfDay, Numbers, RuleScope.All),
        new("Current Date", DataKind.CurrentDate, [GreaterThan, LessThan, Is], RuleScope.All),
        new("Current Day", DataKind.CurrentDay, Pictures, RuleScope.All),
        new("Source", DataKind.Source, Pictures, RuleScope.Server),
        new("Submit Address", DataKind.SubmitAddress, Pictures, RuleScope.Server),
        new("Security", DataKind.Security, Pictures, RuleScope.Server),
        new("Existing Mailbox", DataKind.ExistingMailbox, [Is, IsNot], RuleScope.Account),
        new("Preference", DataKind.Preference, Pictures, RuleScope.Account),
    ];

    public static IReadOnlyList<ActionSpec> Actions { get; } =
    [
        new("Store in", ActionKind.StoreIn, true, RuleScope.All, ActionClass.Filter),
        new("Mark", ActionKind.Mark, true, RuleScope.Delivery, ActionClass.Filter),
        new("Add Header", ActionKind.AddHeader, true, RuleScope.All, ActionClass.Filter),
        new("Tag Subject", ActionKind.TagSubject, true, RuleScope.All, ActionClass.Filter),
        new("Discard", ActionKind.Discard, false, RuleScope.All, ActionClass.Filter),
        new("Stop Processing", ActionKind.StopProcessing, false, RuleScope.All, ActionClass.Filter),
        new("Remember 'From' in", ActionKind.RememberFrom, true, RuleScope.Account, ActionClass.Filter),
        new("Reject with", ActionKind.RejectWith, true, RuleScope.All, ActionClass.AllButExec),
        new("Mirror to", ActionKind.MirrorTo, true, RuleScope.All, ActionClass.AllButExec),
        new("Redirect to", ActionKind.RedirectTo, true, RuleScope.All, ActionClass.AllButExec),
        new("Forward to", ActionKind.ForwardTo, true, RuleScope.Delivery, ActionClass.AllButExec),
        new("Reply with", ActionKind.ReplyWith, true, RuleScope.Delivery, ActionClass.AllButExec),
        new("Reply to All with", ActionKind.ReplyToAllWith, true, RuleScope.Delivery, ActionClass.AllButExec),
    ];

    /// <summary>rules.md §5/§6: known to the Guide, not in v1 — refused when a set is saved.</summary>
    public static IReadOnlyList<string> UnsupportedConditions { get; } = ["FreeBusy", "Calendar Method"];

    public static IReadOnlyList<string> UnsupportedActions { get; } =
        ["Execute", "Send IM", "Accept Request", "Accept Reply", "Store Encrypted in", "Copy Attachments into", "React with"];

    public static IReadOnlyList<string> Operations { get; } = [IsNot, Is, NotIn, In, GreaterThan, LessThan];

    private static readonly Dictionary<string, ConditionSpec> ConditionsByName = Conditions.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, ActionSpec> ActionsByName = Actions.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

    public static ConditionSpec? FindCondition(string name) => ConditionsByName.GetValueOrDefault(name.Trim());

    public static ActionSpec? FindAction(string name) => ActionsByName.GetValueOrDefault(name.Trim());

    public static string? FindOperation(string name) => Operations.FirstOrDefault(o => o.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    public static string ScopeName(RuleScope scope) => scope switch
    {
        RuleScope.Server => "server",
        RuleScope.Domain => "domain",
        _ => "account",
    };

    /// <summary>rules.md §2: <c>Inactive</c>, 1 … 9, <c>Highest</c>, stored as 0 … 10.</summary>
    public static int? ParsePriority(string text)
    {
        var t = text.Trim();
        if (t.Equals("Inactive", StringComparison.OrdinalIgnoreCase)) return Rule.Inactive;
        if (t.Equals("Highest", StringComparison.OrdinalIgnoreCase)) return Rule.Highest;
        return t.Length is > 0 and <= 2 && t.All(char.IsAsciiDigit) && int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) is var n && n <= 10 ? n : null;
    }
}
