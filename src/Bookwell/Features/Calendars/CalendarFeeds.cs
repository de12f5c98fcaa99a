using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Calendars;

/// <summary>
/// Subscription feeds (contract 4.9): a secret address per staff member (or page) that any calendar app can
/// subscribe to. The token is 256 random bits; only its SHA-256 is looked up, and a sealed copy lets the admin
/// show the same address again until it is rotated.
/// </summary>
public static class CalendarFeeds
{
    public const CalendarFeedKind StaffKind = CalendarFeedKind.Staff;
    public const CalendarFeedKind PageKind = CalendarFeedKind.Page;

    private const string Purpose = "bookwell.calendar-feed";

    /// <summary>How far back a feed shows bookings; calendar apps keep what they saw before.</summary>
    public static readonly Duration History = Duration.FromDays(90);

    public static string Url(string baseUrl, string token) => $"{baseUrl}/feeds/{token}.ics";

    /// <summary>The current token of a feed, made on first use.</summary>
    public static async Task<string> TokenAsync(BookwellDb db, IDataProtectionProvider protection, CalendarFeedKind kind, string key, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var feed = await db.CalendarFeeds.AsNoTracking().FirstOrDefaultAsync(f => f.Kind == kind && f.Key == key, ct);
        if (feed is not null && Unseal(protection, feed.TokenSealed) is { } token)
        {
            return token;
        }
        return await RotateAsync(db, protection, kind, key, now, ct);
    }

    /// <summary>The current tokens of every feed of one kind, by key (none made).</summary>
    public static async Task<Dictionary<string, string>> ExistingAsync(BookwellDb db, IDataProtectionProvider protection, CalendarFeedKind kind, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.CalendarFeeds.AsNoTracking().Where(f => f.Kind == kind).ToListAsync(ct);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (Unseal(protection, row.TokenSealed) is { } token)
            {
                result[row.Key] = token;
            }
        }
        return result;
    }

    /// <summary>A new token; the old address stops working at once.</summary>
    public static async Task<string> RotateAsync(BookwellDb db, IDataProtectionProvider protection, CalendarFeedKind kind, string key, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(protection);
        var token = ManageTokens.Create();
        for (var attempt = 0; ; attempt++)
        {
            await db.CalendarFeeds.Where(f => f.Kind == kind && f.Key == key).ExecuteDeleteAsync(ct);
            db.CalendarFeeds.Add(new CalendarFeed
            {
                Id = Guid.NewGuid(),
                TenantId = db.TenantId,
                Kind = kind,
                Key = key,
                TokenHash = ManageTokens.Hash(token),
                TokenSealed = protection.CreateProtector(Purpose).Protect(token),
                CreatedAt = now,
            });
            try
            {
                await db.SaveChangesAsync(ct);
                return token;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Two requests made the feed at once: the unique index let one in; this one replaces it.
                db.ChangeTracker.Clear();
            }
        }
    }

    public static Task RevokeAsync(BookwellDb db, CalendarFeedKind kind, string key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.CalendarFeeds.Where(f => f.Kind == kind && f.Key == key).ExecuteDeleteAsync(ct);
    }

    private static string? Unseal(IDataProtectionProvider protection, string sealedToken)
    {
        try
        {
            return protection.CreateProtector(Purpose).Unprotect(sealedToken);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// What of a booking lands in a staff member's own calendar: the whole booking when it is theirs; for a visit,
    /// the span of the parts they serve (from the first of them to the last), named by those parts' services,
    /// also when they do not serve the first part (the booking's <see cref="Booking.StaffKey"/> is the first
    /// part's person). Null when they serve none of it.
    /// </summary>
    public static (Instant Start, Instant End, string Service)? StaffShare(string staff, string? bookingStaff, string? visitPartsJson, Instant start,
        Instant end, string serviceName)
    {
        if (Visits.Parts(visitPartsJson) is not { Count: > 0 } parts)
        {
            return bookingStaff == staff ? (start, end, serviceName) : null;
        }
        var mine = parts.Where(p => p.Staff == staff).ToList();
        if (mine.Count == 0)
        {
            return null;
        }
        return mine.Count == parts.Count
            ? (start, end, serviceName)
            : (mine.Min(p => p.StartsAt), mine.Max(p => p.EndsAt), string.Join(" + ", mine.Select(p => p.Name)));
    }

    /// <summary>
    /// The bookings a staff member serves, by their live allocations (each part of a visit holds its own person's
    /// time) or, for bookings without a part of theirs, by the booking's staff member.
    /// </summary>
    public static IQueryable<Booking> ServedBy(BookwellDb db, IQueryable<Booking> bookings, string staff)
    {
        ArgumentNullException.ThrowIfNull(db);
        var unit = Units.Staff(staff);
        return bookings.Where(b => b.StaffKey == staff || db.Allocations.Any(a => a.BookingId == b.Id && a.UnitKey == unit && a.Live));
    }

    /// <summary>
    /// The feed's calendar: one VEVENT per booking that is not cancelled, UID the booking's id. It is the staff
    /// member's (or business's) own calendar, so it names the client and the service, and nothing else about the
    /// client: no e-mail address, phone number, answers or notes.
    /// </summary>
    public static async Task<string?> RenderAsync(BookwellDb db, TenantCatalog catalog, string token, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!ManageTokens.LooksValid(token))
        {
            return null;
        }
        var hash = ManageTokens.Hash(token);
        var feed = await db.CalendarFeeds.AsNoTracking().FirstOrDefaultAsync(f => f.TokenHash == hash, ct);
        if (feed is null)
        {
            return null;
        }
        var since = now - History;
        var query = db.Bookings.AsNoTracking().Where(b => b.Status != BookingStatus.Cancelled && b.StartsAt >= since &&
                                                          (b.HoldExpiresAt == null || b.HoldExpiresAt > now));
        query = feed.Kind == StaffKind ? ServedBy(db, query, feed.Key) : query.Where(b => b.PageSlug == feed.Key);
        var bookings = await query.OrderBy(b => b.StartsAt).Take(5000).ToListAsync(ct);
        var ids = bookings.Select(b => b.Id).ToList();
        var changes = await db.BookingEvents.AsNoTracking().Where(h => ids.Contains(h.BookingId))
            .GroupBy(h => h.BookingId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

        var name = feed.Kind == StaffKind
            ? catalog.Pages.Values.SelectMany(p => p.Staff).FirstOrDefault(s => s.Key == feed.Key)?.Name ?? feed.Key
            : catalog.Pages.TryGetValue(feed.Key, out var page) ? page.Doc.Name ?? feed.Key : feed.Key;
        var calendar = IcsWriter.NewCalendar();
        calendar.AddProperty("X-WR-CALNAME", IcsWriter.Clean(name));
        calendar.AddProperty("X-PUBLISHED-TTL", "PT15M");
        foreach (var b in bookings)
        {
            catalog.Pages.TryGetValue(b.PageSlug, out var p);
            var location = p?.Branches.FirstOrDefault(x => x.Key == b.BranchKey)?.Doc.Address ?? p?.Doc.Location?.Details;
            var service = b.ServiceName;
            if (feed.Kind == StaffKind)
            {
                // A staff member's calendar holds their part of a visit; the entity is not tracked, so the copy is only for writing.
                if (StaffShare(feed.Key, b.StaffKey, b.VisitPartsJson, b.StartsAt, b.EndsAt, b.ServiceName) is not { } share)
                {
                    continue;
                }
                (b.StartsAt, b.EndsAt, service) = share;
            }
            calendar.Events.Add(IcsWriter.Event(b, Math.Max(0, changes.GetValueOrDefault(b.Id) - 1), $"{service} – {b.CustomerName}", null,
                location, now));
        }
        return IcsWriter.Serialize(calendar);
    }
}
