using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Phone numbers stored before they were kept in E.164 (issue 14) are converted at start, with the same reading the
/// writes use (<see cref="CustomerBook.Normalize"/>: the number's own country code, or national in the business's country,
/// the page's for a booking or waitlist entry): a client's phone, a waitlist entry's phone, and a booking's E.164 copy
/// (<see cref="Booking.PhoneE164"/>, which text messages go to; the booking keeps the number as typed beside it, as a new
/// booking does). Only rows not yet in E.164 are read, so a second start changes nothing; each business is converted in
/// one transaction, so a start that stops half-way leaves whole businesses done and the next start does the rest. A
/// number that cannot be read stays as it is and is counted; the log names no number.
/// </summary>
public static class StoredPhones
{
    public sealed record Result(int Converted, int Unreadable);

    public static async Task<Result> ConvertAsync(IServiceProvider services, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var cache = scope.ServiceProvider.GetRequiredService<CatalogCache>();
        var gate = scope.ServiceProvider.GetRequiredService<SqliteWriteGate>();
        var log = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Bookwell.Phones");
        var (converted, unreadable) = (0, 0);
        foreach (var tenant in await db.Tenants.AsNoTracking().OrderBy(t => t.Id).Select(t => t.Id).ToListAsync(ct))
        {
            db.TenantId = tenant;
            var catalog = await cache.GetAsync(db, ct);
            var business = ContactRules.RegionOf(Admin.AdminCustomerEndpoints.ZoneOf(catalog));
            string? RegionOf(string slug) => catalog.Pages.TryGetValue(slug, out var page) ? ContactRules.RegionOf(page.Zone) : business;
            using (await gate.EnterAsync(db, ct))
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var customers = await db.Customers.Where(c => c.Phone != null && (!c.Phone.StartsWith("+") || c.Phone.Contains(" ") || c.Phone.Contains("-") ||
                    c.Phone.Contains("(") || c.Phone.Contains(")") || c.Phone.Contains(".") || c.Phone.Contains("/"))).Select(c => new { c.Id, c.Phone }).ToListAsync(ct);
                foreach (var c in customers)
                {
                    if (Read(c.Phone, business) is { } e164)
                    {
                        converted += await db.Customers.Where(x => x.Id == c.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.Phone, e164), ct);
                    }
                    else if (!IsE164(c.Phone))
                    {
                        unreadable++;
                    }
                }
                var entries = await db.WaitlistEntries.Where(w => w.CustomerPhone != null && (!w.CustomerPhone.StartsWith("+") || w.CustomerPhone.Contains(" ") ||
                    w.CustomerPhone.Contains("-") || w.CustomerPhone.Contains("(") || w.CustomerPhone.Contains(")") || w.CustomerPhone.Contains(".") ||
                    w.CustomerPhone.Contains("/"))).Select(w => new { w.Id, w.CustomerPhone, w.PageSlug }).ToListAsync(ct);
                foreach (var w in entries)
                {
                    if (Read(w.CustomerPhone, RegionOf(w.PageSlug)) is { } e164)
                    {
                        converted += await db.WaitlistEntries.Where(x => x.Id == w.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.CustomerPhone, e164), ct);
                    }
                    else if (!IsE164(w.CustomerPhone))
                    {
                        unreadable++;
                    }
                }
                var bookings = await db.Bookings.Where(b => b.CustomerPhone != null && b.PhoneE164 == null)
                    .Select(b => new { b.Id, b.CustomerPhone, b.PageSlug }).ToListAsync(ct);
                foreach (var b in bookings)
                {
                    if (Read(b.CustomerPhone, RegionOf(b.PageSlug)) is { } e164)
                    {
                        converted += await db.Bookings.Where(x => x.Id == b.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.PhoneE164, e164), ct);
                    }
                    else
                    {
                        unreadable++;
                    }
                }
                await tx.CommitAsync(ct);
            }
        }
        if (converted > 0 || unreadable > 0)
        {
            log.LogInformation("Stored phone numbers: {Converted} converted to E.164, {Unreadable} could not be read and were left as they are", converted, unreadable);
        }
        return new Result(converted, unreadable);
    }

    /// <summary>The number in E.164 when it reads as one and differs from what is stored; else null.</summary>
    private static string? Read(string? stored, string? region) =>
        CustomerBook.Normalize(stored, region) is { } e164 && IsE164(e164) && e164 != stored ? e164 : null;

    private static bool IsE164(string? s) =>
        s is { Length: >= 3 and <= 16 } && s[0] == '+' && s[1] is >= '1' and <= '9' && s.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;
}
