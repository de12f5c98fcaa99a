using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MimeKit;

namespace Bookwell.Tests.Infrastructure;

/// <summary>A real SMTP server on loopback: Debian's aiosmtpd writing every message into a Maildir.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"bookwell-mail-{Guid.NewGuid():N}");
    private Process? _process;

    // Bound but not listening until Launch: a connection is refused (the "SMTP down" phase of some tests), and no other
    // test's server binding port 0 can be given this port meanwhile (then aiosmtpd would exit and that server answer).
    private Socket? _reserved;

    public SmtpSink()
    {
        _reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_reserved.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public static SmtpSink Start()
    {
        var sink = new SmtpSink();
        sink.Launch();
        return sink;
    }

    public void Launch()
    {
        // A Maildir: aiosmtpd writes into tmp/ and moves each complete message to new/.
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(_dir, sub));
        }
        _reserved?.Dispose();
        _reserved = null;
        var info = new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", _dir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("aiosmtpd did not start (apt-get install python3-aiosmtpd)");
        // Python starting on a loaded machine: generous, and a sink that is up returns at once.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("aiosmtpd exited: " + _process.StandardError.ReadToEnd());
            }
            try
            {
                // Ours only if it greets as SMTP and our process still runs.
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                client.ReceiveTimeout = 10_000;
                var greeting = new byte[3];
                var read = client.GetStream().ReadAtLeast(greeting, 3, throwOnEndOfStream: false);
                if (read == 3 && greeting.AsSpan().SequenceEqual("220"u8) && !_process.HasExited)
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                Thread.Sleep(10); // leaves the core to Python starting on a two-core runner
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException("aiosmtpd exited: " + _process.StandardError.ReadToEnd());
            }
        }
        throw new TimeoutException("aiosmtpd did not listen");
    }

    public IReadOnlyList<MimeMessage> Messages()
    {
        var folder = Path.Combine(_dir, "new");
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder).Select(f => MimeMessage.Load(f)).OrderBy(m => m.Date).ToList()
            : [];
    }

    /// <summary>The Message-ID of every delivered message, read from the headers only (fast for thousands).</summary>
    public IReadOnlyList<string> MessageIds()
    {
        var folder = Path.Combine(_dir, "new");
        return Directory.GetFiles(folder).Select(f => File.ReadLines(f)
            .TakeWhile(l => l.Length > 0)
            .First(l => l.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))[11..].Trim()).ToList();
    }

    /// <summary>
    /// How many messages have been delivered: the files in new/, without opening them. For polling loops: reading every
    /// message (or its headers) on each poll cost a core of a two-core runner once thousands had arrived, which the
    /// app under test and the SMTP server itself were waiting for.
    /// </summary>
    public int Count()
    {
        var folder = Path.Combine(_dir, "new");
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder).Count() : 0;
    }

    /// <summary>Polls the Maildir until <paramref name="count"/> messages have arrived (the worker sends asynchronously).</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            // Counted first, parsed once: the same messages are returned as when each poll parsed them all.
            if (Count() >= count || DateTime.UtcNow > deadline)
            {
                return Messages();
            }
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _reserved?.Dispose();
        _reserved = null;
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }
}
