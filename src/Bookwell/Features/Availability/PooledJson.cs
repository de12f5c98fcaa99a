using System.Buffers;

namespace Bookwell.Features.Availability;

/// <summary>
/// A JSON body written once into a buffer rented from the shared pool and returned to it when the response is written: a
/// mobile slots answer is made for one client's address and sent once, so keeping it as an array of its own (as cached
/// answers are) only fed the garbage collector (two copies of ~10 KB per request).
/// </summary>
public sealed class PooledJson : IBufferWriter<byte>, IResult
{
    private byte[] _buffer;
    private int _length;

    /// <param name="sizeHint">The expected size in bytes; the buffer grows past it when needed.</param>
    public PooledJson(int sizeHint) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, sizeHint));

    /// <summary>What has been written.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int sizeHint)
    {
        var need = _length + Math.Max(1, sizeHint);
        if (need <= _buffer.Length)
        {
            return;
        }
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Gives the buffer back without writing it (a 304, say). Nothing may be written or sent after this.</summary>
    public void Release()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        _length = 0;
    }

    /// <summary>Sends the body as application/json and gives the buffer back.</summary>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        try
        {
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = _length;
            // HEAD arrives here as GET (HeadRequestsMiddleware), which drops the body itself.
            await httpContext.Response.Body.WriteAsync(_buffer.AsMemory(0, _length), httpContext.RequestAborted);
        }
        finally
        {
            Release();
        }
    }
}
