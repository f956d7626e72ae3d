namespace Rules;

/// <summary>
/// The account setting <c>RulesAllowed</c> (rules.md §7) and the class each action needs: a user whose setting is
/// <see cref="Filter"/> may save only Filter actions, <see cref="AllButExec"/> everything but Execute.
/// </summary>
public enum ActionClass
{
    No = 0,
    Filter = 1,
    AllButExec = 2,
    Any = 3,
}
