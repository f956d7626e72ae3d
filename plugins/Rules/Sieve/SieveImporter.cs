using System.Globalization;
using System.Text.RegularExpressions;

namespace Rules;

/// <summary>
/// Reads a Sieve script (RFC 5228) into a rule set when every part converts exactly (rules.md §10.1); otherwise the
/// whole script is refused with <c>line N: …</c> naming what does not. Each top-level <c>if</c> becomes one rule, in
/// order; <c>allof</c> becomes the AND of conditions. The result is checked like any other set.
/// </summary>
public static partial class SieveImporter
{
    // RFC 5228 §3.2: an extension not listed makes the script invalid; these are the ones that map onto rules.
    private static readonly HashSet<string> KnownExtensions =
        ["fileinto", "envelope", "copy", "reject", "ereject", "imap4flags", "editheader", "mailbox", "date", "relational", "vnd.kernel", "comparator-i;ascii-casemap"];

    [GeneratedRegex("^#\\s*rule\\s+\"((?:[^\"\\\\]|\\\\.)*)\"\\s+priority\\s+(\\d{1,2})\\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex RuleComment();

    public static ParseResult Import(string script, RuleScope scope)
    {
        try
        {
            var reader = new Reader(SieveTokenizer.Read(script), scope);
            var set = reader.ReadScript();
            return RuleValidator.Validate(set, scope);
        }
        catch (SieveError e)
        {
            return ParseResult.Failed($"line {e.Line}: {e.Message}");
        }
    }

    private sealed record Arg(SieveToken Token, IReadOnlyList<string>? Strings);

    private sealed class Reader(List<SieveToken> tokens, RuleScope scope)
    {
        private readonly HashSet<string> _required = new(StringComparer.Ordinal);
        private int _pos;

        private SieveToken? Peek => _pos < tokens.Count ? tokens[_pos] : null;

        private int Line => Peek?.Line ?? (tokens.Count > 0 ? tokens[^1].Line : 1);

        public RuleSet ReadScript()
        {
            var rules = new List<Rule>();
            (string Name, int Priority)? named = null;
            while (Peek is { } token)
            {
                if (IsComment(token))
                {
                    _pos++;
                    var match = RuleComment().Match(token.Text);
                    if (match.Success) named = (match.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal), Math.Min(10, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)));
                    continue;
                }
                var command = Identifier("a command");
                switch (command.Text)
                {
                    case "require":
                        foreach (var ext in Strings(Next()))
                        {
                            if (!KnownExtensions.Contains(ext)) throw new SieveError(command.Line, $"require \"{ext}\": an extension that does not convert");
                            _required.Add(ext);
                        }
                        Expect(";");
                        break;
                    case "if":
                        var conditions = ReadTest(negated: false, top: true);
                        var actions = ReadBlock();
                        if (Peek is { Kind: SieveTokenKind.Identifier, Text: "elsif" or "else" } other)
                            throw new SieveError(other.Line, $"'{other.Text}' does not convert (each rule is one if block)");
                        var name = named?.Name ?? $"sieve-{rules.Count + 1}";
                        rules.Add(new Rule(name, named?.Priority ?? 5, conditions, actions, command.Line));
                        named = null;
                        break;
                    default:
                        // An action outside any if: a rule without conditions.
                        _pos--;
                        var loose = ReadActions(untilBrace: false, single: true);
                        rules.Add(new Rule(named?.Name ?? $"sieve-{rules.Count + 1}", named?.Priority ?? 5, [], loose, command.Line));
                        named = null;
                        break;
                }
            }
            return new RuleSet(rules);
        }

        private List<Condition> ReadTest(bool negated, bool top)
        {
            var test = Identifier("a test");
            switch (test.Text)
            {
                case "true" when !negated:
                    return [];
                case "allof" when !negated:
                {
                    Expect("(");
                    var all = new List<Condition>();
                    do all.AddRange(ReadTest(negated: false, top: false)); while (TrySymbol(","));
                    Expect(")");
                    return all;
                }
                case "anyof":
                {
                    Expect("(");
                    var one = ReadTest(negated, top: false);
                    if (!TrySymbol(")")) throw new SieveError(test.Line, "anyof with more than one test does not convert (rule conditions are joined by AND)");
                    return one;
                }
                case "not" when !negated:
                    return ReadTest(negated: true, top: false);
            }
            var args = new List<Arg>();
            while (Peek is { Kind: SieveTokenKind.Tag or SieveTokenKind.String or SieveTokenKind.Number } || Peek is { Text: "[" }) args.Add(ReadArg());
            return [Convert(test, args, negated)];
        }

        private Condition Convert(SieveToken test, List<Arg> args, bool negated)
        {
            var tags = args.Where(a => a.Token.Kind == SieveTokenKind.Tag).Select(a => a.Token.Text).ToList();
            var comparatorAt = args.FindIndex(a => a.Token.Text == ":comparator");
            var lists = args.Where((a, i) => a.Strings is not null && (comparatorAt < 0 || i != comparatorAt + 1)).Select(a => a.Strings!).ToList();
            var line = test.Line;
            string Op(bool list) => (list, negated) switch { (false, false) => "is", (false, true) => "is not", (true, false) => "in", _ => "not in" };
            switch (test.Text)
            {
                case "address" or "envelope" or "header":
                {
                    if (test.Text == "envelope") Require("envelope", line);
                    if (lists.Count != 2) throw new SieveError(line, $"{test.Text}: expected a header list and a key list");
                    var comparator = args.SkipWhile(a => a.Token.Text != ":comparator").Skip(1).FirstOrDefault();
                    if (comparator is not null && comparator.Strings is not ["i;ascii-casemap"])
                        throw new SieveError(line, $"{test.Text}: only the i;ascii-casemap comparator converts (pictures are case-insensitive)");
                    var pictures = lists[1].Select(k => Picture(k, tags, line)).ToList();
                    if (pictures.Any(p => p.Contains(',', StringComparison.Ordinal)) && pictures.Count > 1)
                        throw new SieveError(line, $"{test.Text}: a key with ',' cannot be one item of a rule list");
                    var parameter = string.Join(", ", pictures);
                    var names = lists[0].Select(n => n.ToLowerInvariant()).ToList();
                    var op = Op(pictures.Count > 1);
                    if (test.Text == "envelope")
                    {
                        if (names is ["from"]) return new Condition("Return-Path", op, parameter, line);
                        if (names is ["to"] && scope != RuleScope.Server) return new Condition("Any Recipient", op, parameter, line);
                        throw new SieveError(line, $"envelope {string.Join(",", names)}: does not convert{(scope == RuleScope.Server ? " at server scope (§10.2)" : "")}");
                    }
                    if (test.Text == "address")
                    {
                        if (names is ["to", "cc"] or ["cc", "to"] && !negated) return new Condition("Any To or Cc", op, parameter, line);
                        if (names.Count == 1 && names[0] is "from" or "sender" or "reply-to" or "to" or "cc")
                            return new Condition(Vocabulary.FindCondition(names[0])!.Name, op, parameter, line);
                        throw new SieveError(line, $"address {string.Join(",", names)}: only From, Sender, Reply-To, To, Cc or [to, cc] convert");
                    }
                    if (names.Count != 1) throw new SieveError(line, "header: a list of header names does not convert");
                    if (names[0] is "subject" or "message-id") return new Condition(Vocabulary.FindCondition(names[0])!.Name, op, parameter, line);
                    return new Condition("Header Field", op, $"{lists[0][0]}: {parameter}", line);
                }
                case "exists":
                    if (lists.Count != 1 || lists[0].Count != 1) throw new SieveError(line, "exists: only one header name converts");
                    return new Condition("Header Field", negated ? "is not" : "is", $"{lists[0][0]}: *", line);
                case "size":
                {
                    var number = args.FirstOrDefault(a => a.Token.Kind == SieveTokenKind.Number)?.Token.Text;
                    if (negated || number is null || tags.Count != 1) throw new SieveError(line, "size: only size :over N and size :under N convert");
                    return new Condition("Message Size", tags[0] == ":over" ? "greater than" : "less than", number.ToUpperInvariant(), line);
                }
                case "mailboxexists":
                    Require("mailbox", line);
                    if (lists.Count != 1 || lists[0].Count != 1) throw new SieveError(line, "mailboxexists: only one mailbox converts");
                    return new Condition("Existing Mailbox", negated ? "is not" : "is", lists[0][0], line);
                case "currentdate":
                    Require("date", line);
                    return CurrentDate(args, tags, lists, negated, line);
                case "vnd.kernel.condition":
                    Require("vnd.kernel", line);
                    if (lists.Count is < 1 or > 3 || lists.Any(l => l.Count != 1) || negated) throw new SieveError(line, "vnd.kernel.condition: expected \"data\" [\"operation\" \"parameter\"]");
                    return new Condition(lists[0][0], lists.Count > 1 ? lists[1][0] : null, lists.Count > 2 ? lists[2][0] : null, line);
                default:
                    throw new SieveError(line, $"test '{test.Text}' does not convert");
            }
        }

        private Condition CurrentDate(List<Arg> args, List<string> tags, List<IReadOnlyList<string>> lists, bool negated, int line)
        {
            if (lists.Count < 2) throw new SieveError(line, "currentdate: expected a date part and keys");
            var part = lists[^2] is [var p] ? p : throw new SieveError(line, "currentdate: one date part");
            var keys = lists[^1];
            if (part == "weekday" && tags.Contains(":is"))
            {
                var days = keys.Select(k => int.TryParse(k, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 6 ? ((DayOfWeek)d).ToString()[..3] : throw new SieveError(line, $"currentdate weekday '{k}' is not 0…6"));
                return new Condition("Current Day", keys.Count > 1 ? negated ? "not in" : "in" : negated ? "is not" : "is", string.Join(", ", days), line);
            }
            if (negated || keys.Count != 1 || part is not ("date" or "time")) throw new SieveError(line, "currentdate: only date/time :is, :value \"gt\" and \"lt\" and weekday :is convert");
            var data = part == "date" ? "Current Date" : "Time Of Day";
            if (tags.Contains(":is") && part == "date") return new Condition(data, "is", keys[0], line);
            var relation = args.SkipWhile(a => a.Token.Text != ":value").Skip(1).FirstOrDefault()?.Strings;
            Require("relational", line);
            return relation switch
            {
                ["gt"] => new Condition(data, "greater than", keys[0], line),
                ["lt"] => new Condition(data, "less than", keys[0], line),
                _ => throw new SieveError(line, "currentdate: only :value \"gt\" and \"lt\" convert"),
            };
        }

        /// <summary>§10.1 in reverse: a <c>:matches</c> key is a picture when it has no <c>?</c> wildcard; <c>:is</c> and <c>:contains</c> when they have no <c>*</c>.</summary>
        private static string Picture(string key, List<string> tags, int line)
        {
            var match = tags.FirstOrDefault(t => t is ":is" or ":contains" or ":matches") ?? ":is";
            var part = tags.FirstOrDefault(t => t is ":localpart" or ":domain" or ":all") ?? ":all";
            string picture;
            if (match == ":matches")
            {
                // RFC 5228 §2.7.1: "?" is one character (no picture equivalent), "\" escapes the next character.
                var sb = new System.Text.StringBuilder();
                for (var i = 0; i < key.Length; i++)
                {
                    var c = key[i];
                    if (c == '?') throw new SieveError(line, $"key \"{key}\": the '?' wildcard does not convert");
                    if (c == '\\' && i + 1 < key.Length)
                    {
                        var next = key[++i];
                        if (next == '*') throw new SieveError(line, $"key \"{key}\": a literal '*' does not convert");
                        sb.Append(next);
                        continue;
                    }
                    sb.Append(c);
                }
                picture = sb.ToString();
            }
            else
            {
                if (key.Contains('*', StringComparison.Ordinal)) throw new SieveError(line, $"key \"{key}\": a literal '*' does not convert");
                picture = match == ":contains" ? $"*{key}*" : key;
            }
            return part switch { ":localpart" => picture + "@*", ":domain" => "*@" + picture, _ => picture };
        }

        private List<RuleAction> ReadBlock()
        {
            Expect("{");
            var actions = ReadActions(untilBrace: true, single: false);
            Expect("}");
            return actions;
        }

        private List<RuleAction> ReadActions(bool untilBrace, bool single)
        {
            var actions = new List<RuleAction>();
            var flags = new List<string>();
            while (Peek is { } token && !(untilBrace && token.Text == "}"))
            {
                if (IsComment(token))
                {
                    _pos++;
                    continue;
                }
                var command = Identifier("an action");
                if (command.Text is "if" or "elsif" or "else") throw new SieveError(command.Line, $"command '{command.Text}' does not convert inside a block");
                var args = new List<Arg>();
                while (Peek is { Kind: SieveTokenKind.Tag or SieveTokenKind.String or SieveTokenKind.Number } || Peek is { Text: "[" }) args.Add(ReadArg());
                Expect(";");
                var tags = args.Where(a => a.Token.Kind == SieveTokenKind.Tag).Select(a => a.Token.Text).ToList();
                var strings = args.Where(a => a.Strings is not null).SelectMany(a => a.Strings!).ToList();
                var line = command.Line;
                switch (command.Text)
                {
                    case "keep" when scope != RuleScope.Server:
                        actions.Add(new RuleAction("Store in", "INBOX", line));
                        break;
                    case "fileinto":
                        Require("fileinto", line);
                        var copy = tags.Contains(":copy");
                        if (copy) Require("copy", line);
                        // Server scope: only :copy lines up (the message goes on); at delivery only the plain form (it cancels INBOX like ours).
                        if (copy != (scope == RuleScope.Server) || strings.Count != 1)
                            throw new SieveError(line, scope == RuleScope.Server ? "fileinto without :copy does not convert at server scope" : "fileinto :copy does not convert at delivery");
                        actions.Add(new RuleAction("Store in", strings[0], line));
                        break;
                    case "redirect":
                        if (strings.Count != 1) throw new SieveError(line, "redirect: one address");
                        actions.Add(new RuleAction("Mirror to", strings[0], line));
                        if (tags.Contains(":copy")) Require("copy", line);
                        else actions.Add(new RuleAction("Discard", null, line)); // §10.2: redirect without :copy cancels the implicit keep
                        break;
                    case "discard":
                        actions.Add(new RuleAction("Discard", null, line));
                        break;
                    case "stop":
                        if (actions.LastOrDefault()?.Verb != "Reject with") actions.Add(new RuleAction("Stop Processing", null, line));
                        break;
                    case "reject" or "ereject":
                        Require(command.Text, line);
                        if (strings.Count != 1) throw new SieveError(line, $"{command.Text}: one text");
                        actions.Add(new RuleAction("Reject with", strings[0], line));
                        break;
                    case "addflag":
                        Require("imap4flags", line);
                        flags.AddRange(strings.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
                        break;
                    case "addheader":
                        Require("editheader", line);
                        if (strings.Count != 2 || tags.Count > 0) throw new SieveError(line, "addheader: \"name\" \"value\" (no :last)");
                        actions.Add(new RuleAction("Add Header", $"{strings[0]}: {strings[1]}", line));
                        break;
                    default:
                        throw new SieveError(line, $"command '{command.Text}' does not convert");
                }
                if (single) break;
            }
            if (flags.Count > 0) actions.Insert(0, new RuleAction("Mark", string.Join(", ", flags.Select(f => f.TrimStart('\\'))), actions.FirstOrDefault()?.Line ?? Line));
            return actions;
        }

        private void Require(string extension, int line)
        {
            if (!_required.Contains(extension)) throw new SieveError(line, $"'{extension}' is used without require \"{extension}\" (RFC 5228 §3.2)");
        }

        private Arg ReadArg()
        {
            var token = Next();
            if (token.Kind is SieveTokenKind.Tag or SieveTokenKind.Number) return new Arg(token, null);
            _pos--;
            return new Arg(token, Strings(Next()));
        }

        private IReadOnlyList<string> Strings(SieveToken token)
        {
            if (token.Kind == SieveTokenKind.String) return [token.Text];
            if (token.Text != "[") throw new SieveError(token.Line, "expected a string or a string list");
            var list = new List<string>();
            do
            {
                var item = Next();
                if (item.Kind != SieveTokenKind.String) throw new SieveError(item.Line, "expected a string in the list");
                list.Add(item.Text);
            } while (TrySymbol(","));
            Expect("]");
            return list;
        }

        private SieveToken Identifier(string what)
        {
            var token = Next();
            return token.Kind == SieveTokenKind.Identifier ? token : throw new SieveError(token.Line, $"expected {what}, found '{token.Text}'");
        }

        private SieveToken Next()
        {
            while (Peek is { } t && IsComment(t)) _pos++;
            return _pos < tokens.Count ? tokens[_pos++] : throw new SieveError(Line, "unexpected end of the script");
        }

        private bool TrySymbol(string symbol)
        {
            while (Peek is { } t && IsComment(t)) _pos++;
            if (Peek?.Kind != SieveTokenKind.Symbol || Peek.Text != symbol) return false;
            _pos++;
            return true;
        }

        private void Expect(string symbol)
        {
            if (!TrySymbol(symbol)) throw new SieveError(Line, $"expected '{symbol}', found '{Peek?.Text ?? "end of script"}'");
        }

        private static bool IsComment(SieveToken token) => token.Kind == SieveTokenKind.Symbol && token.Text.StartsWith('#');
    }
}
