using System.Buffers.Binary;
using System.IO.Compression;

namespace Bookwell.Features.Invoices;

/// <summary>
/// An image as a PDF image XObject: JPEG as it is (<c>DCTDecode</c>), PNG as its zlib data (<c>FlateDecode</c> with the
/// PNG predictors), its alpha channel as a soft mask. Width and height in pixels.
/// </summary>
public sealed record PdfImage(int Width, int Height, string Filter, string ColorSpace, int BitsPerComponent, byte[] Data, string? DecodeParms = null,
    byte[]? Alpha = null)
{
    /// <summary>The file as it was read (JPEG or PNG), which the PDF writer embeds.</summary>
    public byte[] Source { get; init; } = [];

    /// <summary>The image read from a JPEG or PNG file, or null when it is neither or a form the PDF writer does not take (interlaced, 16-bit with alpha).</summary>
    public static PdfImage? Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            var image = bytes.Length > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 ? Jpeg(bytes)
                : bytes.Length > 8 && bytes.AsSpan(0, 8).SequenceEqual(PngSignature) ? Png(bytes)
                : null;
            return image is null ? null : image with { Source = bytes };
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static PdfImage? Jpeg(byte[] bytes)
    {
        // The frame header (SOF0..SOF15 but DHT, JPG and DAC) gives the size and the number of components.
        var at = 2;
        while (at + 4 <= bytes.Length)
        {
            if (bytes[at] != 0xFF)
            {
                return null;
            }
            var marker = bytes[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 2));
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                int height = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 5)), width = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 7));
                var space = bytes[at + 9] switch { 1 => "/DeviceGray", 3 => "/DeviceRGB", 4 => "/DeviceCMYK", _ => null };
                // Adobe's CMYK JPEGs are stored inverted.
                return space is null || width == 0 || height == 0 ? null
                    : new PdfImage(width, height, "/DCTDecode", space, 8, bytes) { Decode = space == "/DeviceCMYK" ? "[1 0 1 0 1 0 1 0]" : null };
            }
            at += 2 + length;
        }
        return null;
    }

    /// <summary>The decode array, for an inverted CMYK JPEG.</summary>
    public string? Decode { get; init; }

    private static PdfImage? Png(byte[] bytes)
    {
        int width = 0, height = 0, depth = 0, type = -1, interlace = 0;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        var at = 8;
        while (at + 8 <= bytes.Length)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at)));
            var kind = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4);
            var data = bytes.AsSpan(at + 8, length);
            switch (kind)
            {
                case "IHDR":
                    width = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data));
                    height = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    depth = data[8];
                    type = data[9];
                    interlace = data[12];
                    break;
                case "PLTE":
                    palette = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    at = bytes.Length;
                    continue;
            }
            at += 12 + length;
        }
        if (width <= 0 || height <= 0 || width > 10_000 || height > 10_000 || interlace != 0 || idat.Length == 0)
        {
            return null;
        }
        var colors = type switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (colors == 0 || (type == 3 && palette is null))
        {
            return null;
        }
        if (type is 0 or 2 or 3)
        {
            // No alpha: the zlib data goes in as it is, the PNG predictors named.
            var space = type switch
            {
                0 => "/DeviceGray",
                2 => "/DeviceRGB",
                _ => $"[/Indexed /DeviceRGB {(palette!.Length / 3) - 1} <{Convert.ToHexString(palette)}>]",
            };
            return new PdfImage(width, height, "/FlateDecode", space, depth, idat.ToArray(),
                $"<< /Predictor 15 /Colors {colors} /BitsPerComponent {depth} /Columns {width} >>");
        }
        if (depth != 8)
        {
            return null;
        }
        // Alpha: the rows are unfiltered here and split into the colour and a soft mask, each compressed again.
        var stride = width * colors;
        var raw = Inflate(idat.ToArray(), checked((stride + 1) * height));
        var pixels = Unfilter(raw, stride, colors, height);
        var colour = new byte[width * height * (colors - 1)];
        var alpha = new byte[width * height];
        for (int i = 0, c = 0; i < width * height; i++)
        {
            for (var k = 0; k < colors - 1; k++)
            {
                colour[c++] = pixels[(i * colors) + k];
            }
            alpha[i] = pixels[(i * colors) + colors - 1];
        }
        return new PdfImage(width, height, "/FlateDecode", colors == 2 ? "/DeviceGray" : "/DeviceRGB", 8, Deflate(colour), Alpha: Deflate(alpha));
    }

    private static byte[] Inflate(byte[] data, int expected)
    {
        using var input = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        var output = new byte[expected];
        var read = 0;
        while (read < expected)
        {
            var n = input.Read(output, read, expected - read);
            if (n == 0)
            {
                throw new InvalidDataException("The image data ends early.");
            }
            read += n;
        }
        return output;
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>PNG's filters undone (None, Sub, Up, Average, Paeth), row by row.</summary>
    private static byte[] Unfilter(byte[] raw, int stride, int bpp, int height)
    {
        var result = new byte[stride * height];
        for (var row = 0; row < height; row++)
        {
            var filter = raw[row * (stride + 1)];
            var src = (row * (stride + 1)) + 1;
            var dst = row * stride;
            for (var i = 0; i < stride; i++)
            {
                int a = i >= bpp ? result[dst + i - bpp] : 0, b = row > 0 ? result[dst - stride + i] : 0, c = i >= bpp && row > 0 ? result[dst - stride + i - bpp] : 0;
                var x = raw[src + i];
                result[dst + i] = filter switch
                {
                    0 => x,
                    1 => (byte)(x + a),
                    2 => (byte)(x + b),
                    3 => (byte)(x + ((a + b) / 2)),
                    4 => (byte)(x + Paeth(a, b, c)),
                    _ => throw new InvalidDataException("Unknown PNG filter."),
                };
            }
        }
        return result;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}

