using Imap.Session;

namespace Imap.Tests.Session;

/// <summary>The run-length sequence map answers exactly as the plain UID list it replaces, through appends and expunges.</summary>
public sealed class UidMapTests
{
    [Fact]
    public void Contiguous_uids_map_to_sequence_numbers()
    {
        var map = new UidMap([5, 6, 7, 8]);
        Assert.Equal(4, map.Count);
        Assert.Equal(5u, map[0]);
        Assert.Equal(8u, map[^1]);
        Assert.Equal(2, map.BinarySearch(7));
        Assert.True(map.BinarySearch(4) < 0);
        Assert.True(map.BinarySearch(9) < 0);
    }

    [Fact]
    public void Expunge_in_the_middle_splits_a_run_and_renumbers_the_rest()
    {
        var map = new UidMap([1, 2, 3, 4, 5, 10, 11]);
        map.RemoveAt(2); // UID 3
        Assert.Equal([1u, 2, 4, 5, 10, 11], Enumerable.Range(0, map.Count).Select(i => map[i]));
        Assert.True(map.BinarySearch(3) < 0);
        Assert.Equal(2, map.BinarySearch(4));
        Assert.Equal(5, map.BinarySearch(11));
        map.AddRange([11, 12, 20]); // 11 is already there: ignored
        Assert.Equal([1u, 2, 4, 5, 10, 11, 12, 20], Enumerable.Range(0, map.Count).Select(i => map[i]));
    }

    [Fact]
    public void Random_appends_and_expunges_match_a_plain_list()
    {
        var random = new Random(11);
        var list = new List<uint>();
        var map = new UidMap([]);
        uint next = 1;
        for (var step = 0; step < 5000; step++)
        {
            if (list.Count == 0 || random.Next(3) > 0)
            {
                next += (uint)(random.Next(4) == 0 ? random.Next(2, 5) : 1);
                list.Add(next);
                map.AddRange([next]);
            }
            else
            {
                var i = random.Next(list.Count);
                list.RemoveAt(i);
                map.RemoveAt(i);
            }
            Assert.Equal(list.Count, map.Count);
            if (step % 50 != 0) continue;
            for (var i = 0; i < list.Count; i++) Assert.Equal(list[i], map[i]);
            for (uint u = 0; u <= next + 1; u++) Assert.Equal(list.BinarySearch(u) >= 0 ? list.BinarySearch(u) : -1, Math.Max(-1, map.BinarySearch(u)));
        }
    }
}
