using System.Text;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>
/// A mailing's tracking: the open pixel (<c>/m/o/…</c>), the click redirect (<c>/m/c/…</c>) and the unsubscribe page
/// (<c>/m/u/…</c>). Each address carries its business, its recipient and (for a click) its target, sealed with ASP.NET
/// Data Protection: nobody can make one for another recipient or point a redirect elsewhere. The first open and the
/// first click are recorded (one conditional update each); later ones change nothing.
/// </summary>
public static class MailingTracking
{
    private const string Purpose = "Bookwell.Mailings.Tracking.v1";

    /// <summary>A transparent 1×1 GIF.</summary>
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static IDataProtector Protector(IDataProtectionProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider.CreateProtector(Purpose);
    }

    private static string Seal(IDataProtector protector, string what) => WebEncoders.Base64UrlEncode(protector.Protect(Encoding.UTF8.GetBytes(what)));

    public static string OpenUrl(IDataProtector protector, string baseUrl, Guid tenant, Guid recipient) =>
        $"{baseUrl}/m/o/{Seal(protector, $"o|{tenant:N}|{recipient:N}")}";

    public static string ClickUrl(IDataProtector protector, string baseUrl, Guid tenant, Guid recipient, string target) =>
        $"{baseUrl}/m/c/{Seal(protector, $"c|{tenant:N}|{recipient:N}|{target}")}";

    public static string UnsubscribeUrl(IDataProtector protector, string baseUrl, Guid tenant, Guid recipient) =>
        $"{baseUrl}/m/u/{Seal(protector, $"u|{tenant:N}|{recipient:N}")}";

    /// <summary>The recipient (and target) a sealed address names, when it is of this kind and this business; null otherwise.</summary>
    public static (Guid Recipient, string? Target)? Open(IDataProtector protector, string? sealedValue, char kind, Guid tenant)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (string.IsNullOrEmpty(sealedValue) || sealedValue.Length > 4_000)
        {
            return null;
        }
        string text;
        try
        {
            text = Encoding.UTF8.GetString(protector.Unprotect(WebEncoders.Base64UrlDecode(sealedValue)));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
        var parts = text.Split('|', 4);
        if (parts.Length < 3 || parts[0] != kind.ToString() || !Guid.TryParseExact(parts[1], "N", out var t) || t != tenant ||
            !Guid.TryParseExact(parts[2], "N", out var recipient))
        {
            return null;
        }
        return (recipient, parts.Length == 4 ? parts[3] : null);
    }

    public static IEndpointRouteBuilder MapMailingTracking(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/m/o/{sealed}", OpenAsync).ExcludeFromDescription();
        app.MapGet("/m/c/{sealed}", ClickAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> OpenAsync(string @sealed, HttpResponse response, BookwellDb db, SqliteWriteGate gate, IClock clock,
        IDataProtectionProvider provider, CancellationToken ct)
    {
        response.Headers.CacheControl = "no-store";
        if (Open(Protector(provider), @sealed, 'o', db.TenantId) is { } found)
        {
            var now = clock.GetCurrentInstant();
            var id = found.Recipient;
            using (await gate.EnterAsync(db, ct))
            {
                // Only for a mailing that tracks opens; only the first time; never for a client who opted out since.
                await db.MailingRecipients.Where(r => r.Id == id && r.OpenedAt == null && db.Mailings.Any(m => m.Id == r.MailingId && m.TrackOpens))
                    .Where(r => db.Customers.Any(c => c.Id == r.CustomerId && c.MailingsOffAt == null && c.ErasedAt == null))
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.OpenedAt, now), ct);
            }
        }
        return Results.File(Gif, "image/gif");
    }

    private static async Task<IResult> ClickAsync(string @sealed, HttpResponse response, BookwellDb db, SqliteWriteGate gate, IClock clock,
        IDataProtectionProvider provider, CancellationToken ct)
    {
        response.Headers.CacheControl = "no-store";
        if (Open(Protector(provider), @sealed, 'c', db.TenantId) is not { Target: { } target } found ||
            !Uri.TryCreate(target, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return Results.NotFound();
        }
        var now = clock.GetCurrentInstant();
        var id = found.Recipient;
        using (await gate.EnterAsync(db, ct))
        {
            // The link works for everyone; the click is recorded only for a client who has not opted out since.
            await db.MailingRecipients.Where(r => r.Id == id && r.ClickedAt == null)
                .Where(r => db.Customers.Any(c => c.Id == r.CustomerId && c.MailingsOffAt == null && c.ErasedAt == null))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClickedAt, now), ct);
        }
        return Results.Redirect(uri.AbsoluteUri);
    }

    /// <summary>The unsubscribe link's effect: no more mailings for the client, and the portal's marketing consent withdrawn.</summary>
    public static async Task<bool> UnsubscribeAsync(BookwellDb db, SqliteWriteGate gate, Guid recipient, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        using (await gate.EnterAsync(db, ct))
        {
            var customerId = await db.MailingRecipients.Where(r => r.Id == recipient).Select(r => (Guid?)r.CustomerId).FirstOrDefaultAsync(ct);
            var customer = customerId is null ? null : await db.Customers.FirstOrDefaultAsync(c => c.Id == customerId, ct);
            if (customer is null)
            {
                return false;
            }
            Consents.Unsubscribe(db, customer, now);
            customer.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
            return true;
        }
    }
}
