using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Bookwell.Data;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Staff;

/// <summary>What makes the staff dashboard installable: the web app manifest and PNG icons.</summary>
public static class StaffAppEndpoints
{
    private static readonly Lazy<byte[]> Icon192 = new(() => Icon(192));
    private static readonly Lazy<byte[]> Icon512 = new(() => Icon(512));

    public static IEndpointRouteBuilder MapStaffApp(this IEndpointRouteBuilder app)
    {
        app.MapGet("/staff/manifest.webmanifest", async (BookwellDb db, CancellationToken ct) =>
        {
            var name = await db.Tenants.Where(t => t.Id == db.TenantId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "Bookwell";
            var manifest = new
            {
                name = $"{name} · Staff",
                short_name = "Staff",
                start_url = "/staff",
                scope = "/staff",
                display = "standalone",
                background_color = "#f3f4f6",
                theme_color = "#1d4ed8",
                icons = new object[]
                {
                    new { src = "/staff/icon-192.png", sizes = "192x192", type = "image/png" },
                    new { src = "/staff/icon-512.png", sizes = "512x512", type = "image/png", purpose = "any maskable" },
                    new { src = "/assets/icon.svg", sizes = "any", type = "image/svg+xml" },
                },
            };
            return Results.Json(manifest, contentType: "application/manifest+json");
        }).ExcludeFromDescription();
        app.MapGet("/staff/icon-192.png", () => Results.Bytes(Icon192.Value, "image/png")).ExcludeFromDescription();
        app.MapGet("/staff/icon-512.png", () => Results.Bytes(Icon512.Value, "image/png")).ExcludeFromDescription();
        return app;
    }

    /// <summary>A square icon drawn in code (blue field, white card with a blue bar), so no binary file is kept in the repository.</summary>
    public static byte[] Icon(int size)
    {
        var raw = new byte[size * (size * 4 + 1)];
        for (var y = 0; y < size; y++)
        {
            var row = y * (size * 4 + 1);
            raw[row] = 0;
            for (var x = 0; x < size; x++)
            {
                var inCard = x > size * 0.22 && x < size * 0.78 && y > size * 0.27 && y < size * 0.76;
                var inBar = inCard && y < size * 0.39;
                var (r, g, b) = inBar ? (0xbf, 0xdb, 0xfe) : inCard ? (0xff, 0xff, 0xff) : (0x1d, 0x4e, 0xd8);
                var i = row + 1 + x * 4;
                raw[i] = (byte)r;
                raw[i + 1] = (byte)g;
                raw[i + 2] = (byte)b;
                raw[i + 3] = 0xff;
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), size);
        header[8] = 8;
        header[9] = 6;
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(raw);
            }
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        s.Write(four);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32([.. typeBytes, .. data]));
        s.Write(four);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
