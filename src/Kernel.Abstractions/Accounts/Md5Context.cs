using System.Buffers.Binary;
using System.Numerics;

namespace Kernel.Abstractions;

/// <summary>
/// MD5 (RFC 1321) with access to the chaining state, which .NET's MD5 does not expose. CRAM-MD5 verifiers
/// (RFC 2195) store the HMAC-MD5 inner and outer states after the first (key) block and resume from them.
/// </summary>
internal sealed class Md5Context
{
    private const int BlockSize = 64;

    // RFC 1321 §3.4: per-round shift amounts.
    private static readonly int[] Shifts =
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    // RFC 1321 §3.4: T[i] = floor(2^32 * |sin(i)|), i = 1..64 (checked against .NET's MD5 by the tests).
    private static readonly uint[] Sines = Enumerable.Range(1, 64).Select(i => (uint)Math.Floor(Math.Abs(Math.Sin(i)) * 4294967296.0)).ToArray();

    /// <summary>RFC 1321 §3.3: the initial chaining state A, B, C, D.</summary>
    public static readonly uint[] InitialState = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

    private readonly uint[] _state = new uint[4];
    private readonly byte[] _buffer = new byte[BlockSize];
    private int _buffered;
    private long _length;

    public Md5Context() : this(InitialState, 0)
    {
    }

    /// <summary>Resumes from a chaining state reached after <paramref name="processedBytes"/> bytes (a multiple of 64).</summary>
    public Md5Context(ReadOnlySpan<uint> state, long processedBytes)
    {
        if (state.Length != 4) throw new ArgumentException("an MD5 state is four 32-bit words", nameof(state));
        if (processedBytes % BlockSize != 0) throw new ArgumentException("an MD5 state exists only at block boundaries", nameof(processedBytes));
        state.CopyTo(_state);
        _length = processedBytes;
    }

    /// <summary>The chaining state; meaningful at a block boundary.</summary>
    public ReadOnlySpan<uint> State => _state;

    public void Update(ReadOnlySpan<byte> data)
    {
        _length += data.Length;
        if (_buffered > 0)
        {
            var take = Math.Min(BlockSize - _buffered, data.Length);
            data[..take].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += take;
            data = data[take..];
            if (_buffered < BlockSize) return;
            Compress(_state, _buffer);
            _buffered = 0;
        }
        while (data.Length >= BlockSize)
        {
            Compress(_state, data[..BlockSize]);
            data = data[BlockSize..];
        }
        data.CopyTo(_buffer);
        _buffered = data.Length;
    }

    /// <summary>Pads (RFC 1321 §3.1–§3.2) and returns the 16-byte digest. The context is spent afterwards.</summary>
    public byte[] Final()
    {
        var bitLength = (ulong)_length * 8;
        Span<byte> padding = stackalloc byte[BlockSize * 2];
        padding.Clear();
        padding[0] = 0x80;
        var padLength = (_buffered < 56 ? 56 : 120) - _buffered;
        BinaryPrimitives.WriteUInt64LittleEndian(padding[padLength..], bitLength);
        var length = _length;
        Update(padding[..(padLength + 8)]);
        _length = length;
        var digest = new byte[16];
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteUInt32LittleEndian(digest.AsSpan(i * 4), _state[i]);
        return digest;
    }

    /// <summary>RFC 1321 §3.4: one 64-byte block into the chaining state.</summary>
    public static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> m = stackalloc uint[16];
        for (var i = 0; i < 16; i++) m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        uint a = state[0], b = state[1], c = state[2], d = state[3];
        for (var i = 0; i < 64; i++)
        {
            uint f;
            int g;
            switch (i >> 4)
            {
                case 0: f = (b & c) | (~b & d); g = i; break;
                case 1: f = (d & b) | (~d & c); g = (5 * i + 1) & 15; break;
                case 2: f = b ^ c ^ d; g = (3 * i + 5) & 15; break;
                default: f = c ^ (b | ~d); g = (7 * i) & 15; break;
            }
            f += a + Sines[i] + m[g];
            a = d;
            d = c;
            c = b;
            b += BitOperations.RotateLeft(f, Shifts[i]);
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
    }
}
