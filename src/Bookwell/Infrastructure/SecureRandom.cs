using System.Security.Cryptography;

namespace Bookwell.Infrastructure;

/// <summary>
/// Random bytes from the OS CSPRNG (<see cref="RandomNumberGenerator"/>), drawn 4 KiB at a time per thread and handed out in
/// slices, each slice cleared from the pool as it is given. Why: every new booking needs row ids and a manage token, and on
/// this VM each small draw was a system call (Guid.NewGuid reads /dev/urandom; OpenSSL's RAND_bytes asks for the process id
/// to notice a fork): 4% of the app's CPU per booking (docs/performance.md, "Issue 12, thirty-second session"). The bytes
/// are the same CSPRNG's either way; only the number of calls changes. .NET does not fork a running process, so two
/// processes never share a pool.
/// </summary>
public static class SecureRandom
{
    private const int PoolSize = 4096;

    /// <summary>Draws larger than this go straight to the CSPRNG: the pool is for the many small ones.</summary>
    private const int Largest = 64;

    [ThreadStatic]
    private static byte[]? pool;

    [ThreadStatic]
    private static int next;

    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > Largest)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }
        var bytes = pool;
        if (bytes is null || next + destination.Length > PoolSize)
        {
            bytes = pool ??= new byte[PoolSize];
            RandomNumberGenerator.Fill(bytes);
            next = 0;
        }
        var slice = bytes.AsSpan(next, destination.Length);
        slice.CopyTo(destination);
        slice.Clear();
        next += destination.Length;
    }
}
