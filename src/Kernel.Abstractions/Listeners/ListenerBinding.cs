using System.Net;
using System.Net.Sockets;

namespace Kernel.Abstractions;

public sealed record ListenerBinding(string Plugin, string? Role, ProtocolType Transport, IPEndPoint EndPoint);
