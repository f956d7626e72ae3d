using System.Text;
using Imap.Protocol;

namespace Imap.Tests.Protocol;

public sealed class LiteralMarkerTests
{
    [Theory]
    [InlineData("A1 LOGIN {5}", true, 5L, false)]
    [InlineData("A1 APPEND INBOX {120+}", true, 120L, true)]
    [InlineData("A1 LOGIN alice secret", false, -1L, false)]
    [InlineData("A1 LOGIN {}", false, -1L, false)]
    [InlineData("A1 LOGIN {x}", false, -1L, false)]
    [InlineData("A1 X {99999999999999999999999}", true, -1L, false)]
    public void Finds_the_marker(string line, bool found, long size, bool nonSync)
    {
        Assert.Equal(found, LiteralMarker.TryParse(Encoding.ASCII.GetBytes(line), out var n, out var ns));
        Assert.Equal(size, n);
        Assert.Equal(nonSync, ns);
    }
}
