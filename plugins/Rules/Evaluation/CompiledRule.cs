namespace Rules;

/// <summary>A condition with its parameter read once: pictures (a list for in/not in), a number, a time, a date or days.</summary>
internal sealed record CompiledCondition(Condition Source, DataKind Kind, bool Negative, IReadOnlyList<string> Pictures, string? FieldName,
    long Number, TimeSpan Time, DateOnly Date, IReadOnlyList<DayOfWeek> Days)
{
    public string Operation => Source.Operation ?? "";

    /// <summary>The pictures compiled for folded values (<see cref="PictureMatcher"/>); stored-list items are expanded at evaluation.</summary>
    public PictureMatcher[] Matchers { get; } = PictureMatcher.Create(Pictures);

    /// <summary>
    /// The name <see cref="MessageFacts.Folded"/> reads: the field of a Header Field condition, else the data name;
    /// lower-cased so every rule testing the same field shares one cached value list (field names are case-insensitive).
    /// </summary>
    public string FieldKey { get; } = (Kind == DataKind.HeaderField ? FieldName ?? "" : Source.Data).ToLowerInvariant();

    /// <summary>Some list item is an account's remembered list (<c>#Name</c>), read at evaluation.</summary>
    public bool HasStoredLists { get; } = Pictures.Any(p => p.StartsWith('#'));

    /// <summary>The test needs the environment (clock, mailboxes, settings, remembered lists): it runs asynchronously.</summary>
    public bool NeedsEnvironment => HasStoredLists || Kind is DataKind.TimeOfDay or DataKind.CurrentDate or DataKind.CurrentDay or DataKind.ExistingMailbox or DataKind.Preference;
}

/// <summary>A validated rule ready to run: its conditions compiled, its actions looked up, where it came from (for the merge and the trace).</summary>
internal sealed record CompiledRule(Rule Rule, RuleScope Scope, IReadOnlyList<CompiledCondition> Conditions, IReadOnlyList<(ActionKind Kind, string? Parameter)> Actions)
{
    public static CompiledRule Compile(Rule rule, RuleScope scope) => new(rule, scope,
        rule.Conditions.Select(Compile).ToList(),
        rule.Actions.Select(a => (Vocabulary.FindAction(a.Verb)!.Kind, a.Parameter)).ToList());

    /// <summary>rules.md §3.1: highest priority first, stable; Inactive rules never run.</summary>
    public static CompiledRuleSet CompileSet(RuleSet set, RuleScope scope) =>
        new(set.Rules.Where(r => r.Priority > Rule.Inactive).Select(r => Compile(r, scope)).OrderByDescending(r => r.Rule.Priority).ToList());

    /// <summary>rules.md §3.2: Domain and Account rules in one list by priority; at equal priority the Domain rule first.</summary>
    public static CompiledRuleSet Merge(IReadOnlyList<CompiledRule> domain, IReadOnlyList<CompiledRule> account) =>
        new(domain.Concat(account).OrderByDescending(r => r.Rule.Priority).ToList()); // OrderBy is stable: domain rules stay in front

    private static CompiledCondition Compile(Condition c)
    {
        var kind = Vocabulary.FindCondition(c.Data)!.Kind;
        var op = c.Operation ?? "";
        var parameter = c.Parameter ?? "";
        var negative = op is Vocabulary.IsNot or Vocabulary.NotIn;
        string? field = null;
        if (kind is DataKind.HeaderField or DataKind.Preference && ParameterSyntax.SplitField(parameter) is { } split)
        {
            field = split.Name;
            parameter = split.Value;
        }
        IReadOnlyList<string> pictures = op is Vocabulary.In or Vocabulary.NotIn ? ParameterSyntax.SplitList(parameter) : [parameter];
        var days = kind == DataKind.CurrentDay ? pictures.Select(p => ParameterSyntax.ParseWeekday(p) ?? DayOfWeek.Sunday).ToList() : [];
        return new CompiledCondition(c, kind, negative, pictures, field,
            kind == DataKind.MessageSize ? ParameterSyntax.ParseSize(parameter) ?? 0 : 0,
            kind == DataKind.TimeOfDay ? ParameterSyntax.ParseTimeOfDay(parameter) ?? TimeSpan.Zero : TimeSpan.Zero,
            kind == DataKind.CurrentDate ? ParameterSyntax.ParseDate(parameter) ?? DateOnly.MinValue : DateOnly.MinValue,
            days);
    }
}
