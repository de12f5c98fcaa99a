using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Uploads;

public sealed record UploadResponse(string Id, string FileName, string ContentType, long Size);

/// <summary>
/// Files for `file` fields: uploaded first, then named in the booking's answers by the returned id. Only
/// small documents and images whose bytes match their claimed type are taken.
/// </summary>
public static class UploadEndpoints
{
    public const long MaxBytes = 5 * 1024 * 1024;

    private static readonly Dictionary<string, Func<byte[], bool>> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application/pdf"] = b => b.AsSpan().StartsWith("%PDF"u8),
        ["image/png"] = b => b.AsSpan().StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47 }),
        ["image/jpeg"] = b => b.AsSpan().StartsWith(new byte[] { 0xFF, 0xD8, 0xFF }),
        ["image/gif"] = b => b.AsSpan().StartsWith("GIF8"u8),
        ["image/webp"] = b => b.Length > 12 && b.AsSpan(0, 4).SequenceEqual("RIFF"u8) && b.AsSpan(8, 4).SequenceEqual("WEBP"u8),
        ["text/plain"] = b => !b.Contains((byte)0) && IsUtf8(b),
    };

    public static RouteGroupBuilder MapUploads(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/pages/{slug}/uploads", Create).WithName("UploadFile").WithTags("Bookings")
            .RequireRateLimiting(RateLimits.Bookings).DisableAntiforgery();
        return api;
    }

    public static RouteGroupBuilder MapAdminUploads(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/uploads/{id}", Download).WithName("DownloadUpload").WithTags("Admin bookings");
        return admin;
    }

    /// <summary>Room for the multipart framing around one file of <see cref="MaxBytes"/>.</summary>
    public const long MaxBodyBytes = MaxBytes + 64 * 1024;

    /// <summary>Whether any bookable service of the page asks for a file; only those pages take uploads.</summary>
    public static bool TakesFiles(CompiledPage page) =>
        page.Services.Values.Any(s => s.Doc.Active != false && s.Doc.Fields is { } fields && fields.Any(f => f.Type == "file"));

    private static async Task<Results<Created<UploadResponse>, ProblemHttpResult>> Create(string slug, HttpRequest request, BookwellDb db,
        CatalogCache cache, IClock clock, CancellationToken ct)
    {
        // A page whose services ask for no file has no use for one: storing it would only give anyone free space.
        if (!(await cache.GetAsync(db, ct)).Pages.TryGetValue(slug, out var page) || !TakesFiles(page))
        {
            return Problems.NotFound("No such booking page, or it takes no files.");
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }
        if (!request.HasFormContentType)
        {
            return Problems.Validation("file", $"Send one file as multipart/form-data, at most {MaxBytes / 1024 / 1024} MB.");
        }
        // A chunked body announces no length: stop reading at the limit instead of taking whatever is sent.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBodyBytes;
        }
        request.Body = new LimitedReadStream(request.Body, MaxBodyBytes);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BodyTooLargeException)
        {
            return TooLarge();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (InvalidDataException)
        {
            return Problems.Validation("file", $"Send one file as multipart/form-data, at most {MaxBytes / 1024 / 1024} MB.");
        }
        if (form.Files.GetFile("file") is not { } file)
        {
            return Problems.Validation("file", "Required: a file in the 'file' part.");
        }
        var (upload, error) = await StoreAsync(db, page, file, "en", clock.GetCurrentInstant(), ct);
        return upload is null
            ? Problems.Validation("file", error!)
            : TypedResults.Created($"/api/v1/pages/{slug}/uploads/{upload.Id}", new UploadResponse(upload.Id, upload.FileName, upload.ContentType, upload.Size));
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Make(StatusCodes.Status413PayloadTooLarge, "too-large", "Request too large", $"A file may hold at most {MaxBytes / 1024 / 1024} MB.");

    /// <summary>
    /// Checks and stores one file for <paramref name="page"/>; the caller's transaction (if any) covers it.
    /// A refusal is worded in <paramref name="language"/> (English for the API).
    /// </summary>
    public static async Task<(Upload? Upload, string? Error)> StoreAsync(BookwellDb db, CompiledPage page, IFormFile file, string language, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length is 0 or > MaxBytes)
        {
            return (null, UploadText.Words.FormatIn(language, System.Globalization.CultureInfo.InvariantCulture, "size", MaxBytes / 1024 / 1024));
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        var bytes = buffer.ToArray();
        var type = file.ContentType.Split(';')[0].Trim();
        if (!Allowed.TryGetValue(type, out var matches) || !matches(bytes))
        {
            return (null, UploadText.Words.Get("type", language));
        }
        var name = Path.GetFileName(file.FileName);
        name = new string(name.Where(c => !char.IsControl(c) && c is not ('"' or '\\' or '/')).ToArray());
        var upload = new Upload
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            TenantId = db.TenantId,
            PageSlug = page.Slug,
            FileName = string.IsNullOrWhiteSpace(name) ? "file" : name[..Math.Min(name.Length, 200)],
            ContentType = type.ToLowerInvariant(),
            Size = bytes.Length,
            Content = bytes,
            CreatedAt = now,
        };
        db.Uploads.Add(upload);
        await db.SaveChangesAsync(ct);
        return (upload, null);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Download(string id, BookwellDb db, CancellationToken ct)
    {
        var upload = await db.Uploads.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);
        return upload is null
            ? Problems.NotFound("No such upload.")
            : TypedResults.File(upload.Content, upload.ContentType, upload.FileName);
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}

internal sealed class BodyTooLargeException : IOException
{
    public BodyTooLargeException()
        : base("The request body is larger than allowed.")
    {
    }

    public BodyTooLargeException(string message)
        : base(message)
    {
    }

    public BodyTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Reads through to the request body and throws once more than <c>limit</c> bytes have come.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        _read += n;
        return _read > limit ? throw new BodyTooLargeException() : n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
