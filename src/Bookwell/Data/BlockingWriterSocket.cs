using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Npgsql;

namespace Bookwell.Data;

/// <summary>
/// Linux: the group writer's PostgreSQL sockets are put in the kernel's blocking mode, once, when each is opened.
/// Npgsql opens every socket non-blocking (to time its connect), and .NET never puts a socket back: a synchronous read
/// that finds no answer yet hands the wait to .NET's socket-event thread, which then wakes the reader. Under the booking
/// load that thread is busy with every HTTP connection's events, so the writer's answer waited behind them, and the
/// writer's round trip is the step every booking waits for. Blocking, the kernel wakes the writer itself when the answer
/// arrives. Measured (`bench/http/book-cpu.sh postgres`, interleaved): see docs/performance.md, thirtieth session.
/// Timeouts stay Npgsql's: the kernel gives up a read or write after <see cref="NativeTimeout"/>, and .NET's own waiting,
/// with Npgsql's command timeout, takes over from there. Only the writer's pool: it only makes synchronous calls, one
/// thread at a time.
/// </summary>
public static class BlockingWriterSocket
{
    /// <summary>How long the kernel blocks before .NET's timed wait takes over (statements of the writer take milliseconds).</summary>
    public static readonly TimeSpan NativeTimeout = TimeSpan.FromSeconds(1);

    // Npgsql has no public way to its socket; the connector and its field are read once per physical connection. If a
    // later Npgsql renames them, the socket stays as Npgsql made it (slower, never wrong), and
    // PostgresGroupCommitTests.TheWritersSocket_BlocksInTheKernel fails to say so.
    private static readonly PropertyInfo? Connector = typeof(NpgsqlConnection).GetProperty("Connector", BindingFlags.Instance | BindingFlags.NonPublic);
    private static FieldInfo? _socket;

    private const int GetFlags = 3, SetFlags = 4, NonBlocking = 0x800, SolSocket = 1, ReceiveTimeoutOption = 20, SendTimeoutOption = 21;

#pragma warning disable SYSLIB1054, CA5392 // LibraryImport needs unsafe code in the whole project, for one call made once per connection.
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);
#pragma warning restore SYSLIB1054, CA5392

    /// <summary>For <c>UsePhysicalConnectionInitializer</c>: true when the socket now blocks in the kernel.</summary>
    public static bool Apply(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!OperatingSystem.IsLinux() || Connector?.GetValue(connection) is not { } connector)
        {
            return false;
        }
        _socket ??= connector.GetType().GetField("_socket", BindingFlags.Instance | BindingFlags.NonPublic);
        if (_socket?.GetValue(connector) is not Socket socket || socket.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 or AddressFamily.Unix))
        {
            return false;
        }
        Span<byte> timeval = stackalloc byte[16];
        timeval.Clear();
        BitConverter.TryWriteBytes(timeval, (long)NativeTimeout.TotalSeconds);
        try
        {
            socket.SetRawSocketOption(SolSocket, ReceiveTimeoutOption, timeval);
            socket.SetRawSocketOption(SolSocket, SendTimeoutOption, timeval);
        }
        catch (SocketException)
        {
            // Without the kernel's time limit a blocked read would outwait Npgsql's timeout: stay non-blocking.
            return false;
        }
        var fd = (int)socket.Handle;
        var flags = Fcntl(fd, GetFlags, 0);
        return flags >= 0 && ((flags & NonBlocking) == 0 || Fcntl(fd, SetFlags, flags & ~NonBlocking) == 0);
    }
}
