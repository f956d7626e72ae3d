namespace Smtp.Protocol;

/// <summary>
/// A read timeout (RFC 5321 §4.5.3.2) that is reused from read to read: one linked token source per session (or body)
/// whose timer is re-armed before each read that has to wait and stopped after it, instead of a new linked source and
/// timer per command line or data block (that churn showed in the SMTP benchmark: several per message).
/// </summary>
internal sealed class ReadDeadline(CancellationToken outer) : IDisposable
{
    private CancellationTokenSource? _source;

    /// <summary>Arms the deadline; the token is cancelled after <paramref name="timeout"/> or when the outer token is.</summary>
    public CancellationToken Start(TimeSpan timeout)
    {
        _source ??= CancellationTokenSource.CreateLinkedTokenSource(outer);
        _source.CancelAfter(timeout);
        return _source.Token;
    }

    /// <summary>Disarms it after a read; a source that already fired is dropped (the next read gets a new one).</summary>
    public void Stop()
    {
        if (_source is { } source && !source.TryReset())
        {
            source.Dispose();
            _source = null;
        }
    }

    public void Dispose()
    {
        _source?.Dispose();
        _source = null;
    }
}
