using System.Linq.Expressions;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Phone numbers stored before they were kept in E.164 (issue 14) are converted at start, with the same reading the
/// writes use (<see cref="CustomerBook.Normalize"/>: the number's own country code, or national in the business's country,
/// the page's for a booking or waitlist entry): a client's phone, a waitlist entry's phone, and a booking's E.164 copy
/// (<see cref="Booking.PhoneE164"/>, which text messages go to; the booking keeps the number as typed beside it, as a new
/// booking does). Once per database: a finished conversion leaves a marker (<see cref="OneOffStep"/> <see cref="Step"/>),
/// and every later start skips it (every write since stores E.164). Only rows not yet in E.164 are read, and each business
/// is converted in one transaction, so a start that stops half-way (no marker yet) leaves whole businesses done and the
/// next start does the rest. A number that cannot be read stays as it is and is counted; the log names no number.
/// </summary>
public static class StoredPhones
{
    public sealed record Result(int Converted, int Unreadable);

    /// <summary>The marker's name.</summary>
    public const string Step = "phones-e164";

    /// <summary>What the conversion did; null when an earlier start did it.</summary>
    public static async Task<Result?> ConvertAsync(IServiceProvider services, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        if (await db.OneOffSteps.AnyAsync(s => s.Name == Step, ct))
        {
            return null;
        }
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
                var customers = await db.Customers.Where(NotYetE164<Customer>(c => c.Phone)).Select(c => new { c.Id, c.Phone }).ToListAsync(ct);
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
                var entries = await db.WaitlistEntries.Where(NotYetE164<Waitlist.WaitlistEntry>(w => w.CustomerPhone))
                    .Select(w => new { w.Id, w.CustomerPhone, w.PageSlug }).ToListAsync(ct);
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
        db.OneOffSteps.Add(new OneOffStep { Name = Step, DoneAt = scope.ServiceProvider.GetRequiredService<IClock>().GetCurrentInstant() });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex))
        {
            // Another node starting at the same moment finished it too.
        }
        return new Result(converted, unreadable);
    }

    /// <summary>
    /// A stored phone not in E.164 yet: no leading plus, or a separator people type (space, dash, brackets, dot, slash).
    /// One filter for every table that keeps a phone as typed; string arguments, which both providers translate.
    /// </summary>
    private static readonly Expression<Func<string?, bool>> NotE164 = p => p != null &&
        (!p.StartsWith("+") || p.Contains(" ") || p.Contains("-") || p.Contains("(") || p.Contains(")") || p.Contains(".") || p.Contains("/"));

    /// <summary><see cref="NotE164"/> applied to one column of <typeparamref name="T"/>.</summary>
    private static Expression<Func<T, bool>> NotYetE164<T>(Expression<Func<T, string?>> phone) =>
        Expression.Lambda<Func<T, bool>>(ReplacingExpressionVisitor.Replace(NotE164.Parameters[0], phone.Body, NotE164.Body), phone.Parameters);

    /// <summary>The number in E.164 when it reads as one and differs from what is stored; else null.</summary>
    private static string? Read(string? stored, string? region) =>
        CustomerBook.Normalize(stored, region) is { } e164 && IsE164(e164) && e164 != stored ? e164 : null;

    private static bool IsE164(string? s) =>
        s is { Length: >= 3 and <= 16 } && s[0] == '+' && s[1] is >= '1' and <= '9' && s.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;
}
