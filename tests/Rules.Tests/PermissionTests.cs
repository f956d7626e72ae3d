namespace Rules.Tests;

/// <summary>rules.md §7: what a user may save by RulesAllowed; rules an administrator put in place are not held against the user.</summary>
public sealed class PermissionTests
{
    private const string FilterSet = "((5, junk, ((Subject, is, \"*spam*\")), ((\"Store in\", Junk), (Mark, Seen))))";
    private const string SendingSet = "((5, fwd, (), ((\"Redirect to\", \"x@y.dom\"))))";

    [Theory]
    [InlineData("Filter Only", FilterSet, true)]
    [InlineData("Filter Only", SendingSet, false)]
    [InlineData("All But Exec", SendingSet, true)]
    [InlineData("Any", SendingSet, true)]
    [InlineData(null, SendingSet, true)]
    [InlineData("No", FilterSet, false)]
    [InlineData("No", "((2, \"#Vacation\", ((\"Human Generated\")), ((\"Reply with\", away))))", true)]
    [InlineData("Filter Only", "((1, \"#Redirect\", (), ((\"Mirror to\", \"a@b.dom\"), (Discard))))", false)]
    [InlineData("All But Exec", "((1, \"#Redirect\", (), ((\"Mirror to\", \"a@b.dom\"), (Discard))))", true)]
    public void UserSavesAreCheckedAgainstRulesAllowed(string? setting, string text, bool allowed)
    {
        var level = RulePermissions.ParseLevel(setting)!.Value;
        var errors = RulePermissions.Check(RuleHarness.Parse(text, RuleScope.Account), RuleSet.Empty, level);
        Assert.Equal(allowed, errors.Count == 0);
    }

    [Fact]
    public void RulesTheAdministratorPutInPlaceStayWhenAFilterOnlyUserEditsOthers()
    {
        var current = RuleHarness.Parse(SendingSet, RuleScope.Account);
        var proposed = RuleHarness.Parse("((5, fwd, (), ((\"Redirect to\", \"x@y.dom\"))), (4, junk, (), ((\"Store in\", Junk))))", RuleScope.Account);
        Assert.Empty(RulePermissions.Check(proposed, current, ActionClass.Filter));
        var changed = RuleHarness.Parse("((5, fwd, (), ((\"Redirect to\", \"other@y.dom\"))))", RuleScope.Account);
        Assert.Equal(["line 1: rule 'fwd': action Redirect to needs RulesAllowed All But Exec, the account has Filter Only"], RulePermissions.Check(changed, current, ActionClass.Filter));
    }

    [Fact]
    public void AnUnknownSettingValueIsNotALevel() => Assert.Null(RulePermissions.ParseLevel("sometimes"));
}
