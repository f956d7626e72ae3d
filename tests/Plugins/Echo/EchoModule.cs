using System.Buffers;
using System.Composition;
using System.Text;
using Kernel.Abstractions;

namespace Echo;

/// <summary>
/// One line in, <c>echo &lt;version&gt; &lt;line&gt;</c> out, close. When the server drains it (stop, unload, or an
/// upgrade to a newer version) while a connection waits for its line, it says <c>bye &lt;version&gt;</c> instead.
/// The line <c>throw</c> makes the handler throw (a test shows the kernel contains it). Listener <c>Echo:Listen</c>.
/// </summary>
[Module("Echo", Version)]
public sealed class EchoModule : IModule
{
#if ECHO_V2
    public const string Version = "2.0.0";
#else
    public const string Version = "1.0.0";
#endif

    public Task StartAsync(IModuleContext context, CancellationToken cancellationToken)
    {
        context.Connections.Listen(new ConnectionListenerOptions
        {
            DefaultPort = 0,
            MaxConnections = 2000,
            MaxConnectionsPerIp = 2000,
            RefusalReply = "busy\r\n"u8.ToArray(),
        }, ServeAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task ServeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        string? line = null;
        try
        {
            while (line is null)
            {
                var result = await connection.Input.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (buffer.PositionOf((byte)'\n') is { } end)
                {
                    line = Encoding.ASCII.GetString(buffer.Slice(0, end)).TrimEnd('\r');
                    connection.Input.AdvanceTo(buffer.GetPosition(1, end));
                }
                else if (result.IsCompleted || buffer.Length > 1000)
                {
                    return;
                }
                else
                {
                    connection.Input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await connection.Output.WriteAsync(Encoding.ASCII.GetBytes($"bye {Version}\r\n"), CancellationToken.None);
            return;
        }
        if (line == "throw") throw new InvalidOperationException("echo was asked to throw");
        await connection.Output.WriteAsync(Encoding.ASCII.GetBytes($"echo {Version} {line}\r\n"), CancellationToken.None);
    }
}
