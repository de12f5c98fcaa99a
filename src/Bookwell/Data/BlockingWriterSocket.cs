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
/// <para>
/// Timeouts: Npgsql gives each read its command timeout through <c>Socket.ReceiveTimeout</c>, which .NET also sets in the
/// kernel. A read with no answer therefore waits that long in the kernel, then .NET, which still takes the socket for
/// non-blocking, waits that long once more before it fails. So the writer's pool runs on half the command timeout
/// (<see cref="ConnectionString"/>): its statements still give up after the configured time.
/// </para>
/// Synchronous use only: an asynchronous read on a blocking socket would hold a thread-pool thread in the kernel. The
/// writer's pool is only opened and used synchronously, by the writer's own thread, and a connection opened
/// asynchronously is left as Npgsql made it.
/// </summary>
public static class BlockingWriterSocket
{
    // Npgsql has no public way to its socket; the connector and its field are read once per physical connection. If a
    // later Npgsql renames them, the socket stays as Npgsql made it (slower, never wrong), and
    // PostgresGroupCommitTests.TheWritersSocket_BlocksInTheKernel_TheSharedPoolsDoNot fails to say so.
    private static readonly PropertyInfo? Connector = typeof(NpgsqlConnection).GetProperty("Connector", BindingFlags.Instance | BindingFlags.NonPublic);
    private static FieldInfo? _socket;

    // fcntl's commands and O_NONBLOCK as Linux defines them on x64 and arm64 (the only architectures this is done on).
    private const int GetFlags = 3, SetFlags = 4, NonBlocking = 0x800;

#pragma warning disable SYSLIB1054, CA5392 // LibraryImport needs unsafe code in the whole project, for one call made once per connection.
    [DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int command, int argument);
#pragma warning restore SYSLIB1054, CA5392

    /// <summary>The writer pool's connection string: half the command timeout, as a read waits it twice (see above).</summary>
    public static string ConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (Supported && builder.CommandTimeout > 1)
        {
            builder.CommandTimeout /= 2;
        }
        return builder.ConnectionString;
    }

    /// <summary>Where it is done: Linux on x64 and arm64.</summary>
    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>For <c>UsePhysicalConnectionInitializer</c>: true when the socket now blocks in the kernel.</summary>
    public static bool Apply(NpgsqlConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            if (!Supported || Connector?.GetValue(connection) is not { } connector)
            {
                return false;
            }
            _socket ??= connector.GetType().GetField("_socket", BindingFlags.Instance | BindingFlags.NonPublic);
            if (_socket?.GetValue(connector) is not Socket socket)
            {
                return false;
            }
            var fd = (int)socket.Handle;
            var flags = Fcntl(fd, GetFlags, 0);
            return flags >= 0 && ((flags & NonBlocking) == 0 || Fcntl(fd, SetFlags, flags & ~NonBlocking) == 0);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A missing libc entry point, a socket closed meanwhile: the connection stays as Npgsql made it.
            return false;
        }
    }
}
