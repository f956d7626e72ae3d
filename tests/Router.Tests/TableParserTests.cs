namespace Router.Tests;

/// <summary>router.md §3: the grammar and the rules on top of it; a table with errors is refused whole.</summary>
public sealed class TableParserTests
{
    [Theory]
    [InlineData("<*a@*.dom> = x@y.dom", "more than one '*' on the left side")]
    [InlineData("*.*.dom = x.dom", "more than one '*' on the left side")]
    [InlineData("Foo: a.dom = b.dom", "unknown prefix 'Foo:'")]
    [InlineData("Relay: NoRelay: a.dom = b.dom", "more than one relay prefix")]
    [InlineData("Mail: Signal: a.dom = b.dom", "more than one kind prefix")]
    [InlineData("a.dom = x@relay.dom.99999.via", "port 99999 outside 1-65535")]
    [InlineData("a.dom = x@relay.dom.0.via", "port 0 outside 1-65535")]
    [InlineData("a.dom = relay.dom.70000.via", "port 70000 outside 1-65535")]
    [InlineData("a.dom = x@1.2.3.via", "neither host.port.via")]
    [InlineData("a.dom = *@b.dom", "'*' on the right side needs a '*' on the left side")]
    [InlineData("a.dom b.dom", "no '='")]
    [InlineData("a.dom = ", "empty right side")]
    [InlineData(" = b.dom", "empty left side")]
    [InlineData("<a.dom> = b.dom", "address key must be <local@domain>")]
    [InlineData("<a@b.dom = c.dom", "without closing '>'")]
    [InlineData("a!dom = b.dom", "bad domain key")]
    [InlineData("a.dom = x@y@z.dom", "more than one '@'")]
    [InlineData("a.dom = b c", "whitespace")]
    [InlineData("<a@[1.2.3]> = b@c.dom", "bad domain in key")]
    public void Bad_line_is_reported_with_its_number(string line, string reason)
    {
        var result = TableParser.Parse("; comment\nok.dom = other.dom\n" + line + "\n");
        Assert.False(result.Ok);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("line 3: ", error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Every_bad_line_is_reported_and_the_table_is_refused_whole()
    {
        var result = TableParser.Parse("a.dom = b.dom\nBogus: x = y\n<*a@*b> = c\nc.dom = d.dom\nz.dom = x@h.0.via");
        Assert.Null(result.Table);
        Assert.Equal(["line 2", "line 3", "line 5"], result.Errors.Select(e => e[..e.IndexOf(':')]).ToArray());
    }

    [Fact]
    public void A_100_kB_address_is_a_load_error_not_an_exception()
    {
        var result = TableParser.Parse("<" + new string('a', 100_000) + "@x.dom> = y@z.dom");
        Assert.False(result.Ok);
        Assert.StartsWith("line 1: ", Assert.Single(result.Errors));
    }

    [Theory]
    [InlineData("Relay: friend.com = friend.com@friend.com.via", KindPrefix.None, RelayPrefix.Relay)]
    [InlineData("Mail:target.domain = target.domain@relay.domain.25.via", KindPrefix.Mail, RelayPrefix.None)]
    [InlineData("relay: mail: a.dom = b.dom", KindPrefix.Mail, RelayPrefix.Relay)]
    [InlineData("Signal:Relay: a.dom = b.dom", KindPrefix.Signal, RelayPrefix.Relay)]
    [InlineData("NoRelay:Call: a.dom = b.dom ; comment", KindPrefix.Call, RelayPrefix.NoRelay)]
    [InlineData("RelayAll: HTTP: <LoginPage@x.dom> = boss", KindPrefix.Http, RelayPrefix.RelayAll)]
    [InlineData("\tAccess:short=main.dom", KindPrefix.Access, RelayPrefix.None)]
    [InlineData("NoRelay: * = *@smarthost.example.25.via", KindPrefix.None, RelayPrefix.NoRelay)]
    [InlineData("<spam@our.dom> = ERROR", KindPrefix.None, RelayPrefix.None)]
    [InlineData("ip.dom = [IPv6:2001:db8::1]", KindPrefix.None, RelayPrefix.None)]
    public void Valid_records_parse_with_their_prefixes(string line, KindPrefix kind, RelayPrefix relay)
    {
        var result = TableParser.Parse(line);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var record = Assert.Single(result.Table!.Records);
        Assert.Equal(kind, record.Kind);
        Assert.Equal(relay, record.Relay);
    }

    [Fact]
    public void Later_duplicate_replaces_the_earlier_with_a_warning()
    {
        var result = TableParser.Parse("<*@our.dom> = first@main.dom\nMail: <*@our.dom> = mail@main.dom\n<*@Our.dom> = second@main.dom");
        Assert.True(result.Ok);
        Assert.Equal(2, result.Table!.Records.Count);
        Assert.Contains("line 3: replaces line 1", Assert.Single(result.Warnings));
    }

    [Fact]
    public void Wildcard_lookup_finds_every_matching_shape_and_not_the_others()
    {
        var table = TableParser.Parse("*.a.dom = x.dom\n*.b.a.dom = y.dom\nc.* = z.dom\n*.dom = w.dom").Table!;
        var hits = new List<RouterRecord>();
        table.WildcardDomain("q.b.a.dom", hits);
        Assert.Equal([1, 2, 4], hits.Select(h => h.Line).Order().ToArray());
        hits.Clear();
        table.WildcardDomain("a.dom", hits);
        Assert.Equal([4], hits.Select(h => h.Line).ToArray());
        hits.Clear();
        // '*' matches one or more characters: "c." alone does not match "c.*".
        table.WildcardDomain("c.", hits);
        Assert.Empty(hits);
    }

    [Fact]
    public void Address_wildcards_are_found_whether_the_star_is_in_the_local_or_the_domain_part()
    {
        var table = TableParser.Parse("<LoginPage%*@domain.dom> = *@domain.dom\n<sales@*.dom> = boss\n<*@other.dom> = x@y.dom\n<*s@domain.dom> = z@y.dom").Table!;
        var hits = new List<RouterRecord>();
        table.WildcardAddress("loginpage%alice@domain.dom", hits);
        Assert.Equal([1], hits.Select(h => h.Line).ToArray());
        hits.Clear();
        table.WildcardAddress("sales@a.b.dom", hits);
        Assert.Equal([2], hits.Select(h => h.Line).ToArray());
        hits.Clear();
        table.WildcardAddress("boss@domain.dom", hits);
        Assert.Equal([4], hits.Select(h => h.Line).ToArray());
        hits.Clear();
        table.WildcardAddress("s@domain.dom", hits);
        Assert.Empty(hits);
    }

    [Fact]
    public async Task A_multi_label_capture_and_table_order_across_index_kinds()
    {
        // Line 1 sits in the general shape index, line 2 in the label index: the lower line wins.
        using var harness = new RouterHarness("a*.corp.dom = first.dom\n*.corp.dom = *.second.dom");
        Assert.Equal("SMTP(first.dom)x@first.dom", (await harness.RouteAsync("x@ab.corp.dom", "mail", "T")).Result.Display);
        Assert.Equal("SMTP(b.c.second.dom)x@b.c.second.dom", (await harness.RouteAsync("x@b.c.corp.dom", "mail", "T")).Result.Display);
    }
}
