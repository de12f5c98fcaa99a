using Bookwell.Infrastructure;

namespace Bookwell.Data;

/// <summary>
/// Ids for new rows: UUID version 7 (RFC 9562: 48 bits of Unix milliseconds, then 74 random bits), the layout of
/// <see cref="Ids.New()"/>, so ids made close together sort close together in every index that holds them. The
/// random bits come from <see cref="SecureRandom"/>, the CSPRNG drawn in bulk, where Guid.CreateVersion7 makes a system call
/// per id.
/// </summary>
public static class Ids
{
    public static Guid New() => New(DateTimeOffset.UtcNow);

    public static Guid New(DateTimeOffset at)
    {
        var milliseconds = at.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(at));
        Span<byte> bytes = stackalloc byte[16];
        SecureRandom.Fill(bytes[6..]);
        // The milliseconds, big-endian, in the first six bytes (the two bytes above them stay zero until the year 10889).
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(milliseconds >> (8 * (5 - i)));
        }
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
