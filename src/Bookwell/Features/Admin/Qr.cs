using Microsoft.AspNetCore.Html;
using QRCoder;

namespace Bookwell.Features.Admin;

public static class Qr
{
    /// <summary>A QR code as inline SVG (no image request, nothing to host).</summary>
    public static IHtmlContent Svg(string text, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        return new HtmlString($"<div class=\"qr\" role=\"img\" aria-label=\"{System.Net.WebUtility.HtmlEncode(label)}\">{svg}</div>");
    }
}
