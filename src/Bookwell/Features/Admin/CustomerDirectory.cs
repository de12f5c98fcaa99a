using System.Globalization;
using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>What the customer list is asked for; the page, its CSV and the API read the same filter.</summary>
public sealed class CustomerFilter
{
    public const int MaxQuery = 200;
    public static readonly string[] Sorts = ["name", "name-desc", "last-visit", "last-visit-asc", "visits", "no-shows", "newest"];

    public string? Query { get; set; }
    public string? Tag { get; set; }
    public int? NoShowsAtLeast { get; set; }
    public LocalDate? LastVisitBefore { get; set; }
    public LocalDate? LastVisitAfter { get; set; }
    public bool? Marketing { get; set; }
    /// <summary>Additive (issue 14): only clients of this loyalty tier (by the business's thresholds).</summary>
    public LoyaltyTier? Tier { get; set; }
    public string Sort { get; set; } = "name";

    /// <summary>Reads the list's query values (the names the page and the API share), field by field into <paramref name="e"/>.</summary>
    public static CustomerFilter Read(string? query, string? tag, string? noShows, string? lastVisitBefore, string? lastVisitAfter, string? marketing, string? sort, Errors e, string? tier = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var f = new CustomerFilter();
        if (query is { Length: > MaxQuery })
        {
            e.Add("query", $"At most {MaxQuery} characters.");
        }
        else if (!string.IsNullOrWhiteSpace(query))
        {
            f.Query = query.Trim();
        }
        if (!string.IsNullOrWhiteSpace(tag))
        {
            f.Tag = CustomerDirectory.NormalizeTag(tag);
            if (f.Tag is null)
            {
                e.Add("tag", CustomerDirectory.TagRule);
            }
        }
        if (!string.IsNullOrEmpty(noShows))
        {
            if (int.TryParse(noShows, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000)
            {
                f.NoShowsAtLeast = n;
            }
            else
            {
                e.Add("noShows", "Must be a whole number from 1 to 1000.");
            }
        }
        if (!string.IsNullOrEmpty(lastVisitBefore))
        {
            if (TimeFormats.TryParseDate(lastVisitBefore, out var d)) { f.LastVisitBefore = d; } else { e.Add("lastVisitBefore", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        if (!string.IsNullOrEmpty(lastVisitAfter))
        {
            if (TimeFormats.TryParseDate(lastVisitAfter, out var d)) { f.LastVisitAfter = d; } else { e.Add("lastVisitAfter", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        switch (marketing)
        {
            case null or "" or "any":
                break;
            case "yes" or "true":
                f.Marketing = true;
                break;
            case "no" or "false":
                f.Marketing = false;
                break;
            default:
                e.Add("marketing", "Must be yes, no or any.");
                break;
        }
        if (!string.IsNullOrEmpty(tier))
        {
            if (Wire<LoyaltyTier>.TryParse(tier, out var t)) { f.Tier = t; } else { e.Add("tier", "Must be one of: " + string.Join(", ", Wire<LoyaltyTier>.Names) + "."); }
        }
        if (!string.IsNullOrEmpty(sort))
        {
            if (Sorts.Contains(sort, StringComparer.Ordinal)) { f.Sort = sort; } else { e.Add("sort", "Must be one of: " + string.Join(", ", Sorts) + "."); }
        }
        return f;
    }
}

/// <summary>One client in the list, with the counts the list shows and filters on.</summary>
public sealed class CustomerRow
{
    public Customer Customer { get; set; } = null!;
    public int Bookings { get; set; }
    public int Visits { get; set; }
    public int NoShows { get; set; }
    public Instant? LastVisit { get; set; }
    /// <summary>Additive (issue 14): the loyalty tier the visits give by the business's thresholds.</summary>
    public LoyaltyTier Tier { get; set; }
}

/// <summary>A client's history in figures: money per currency (charges less refunds), visits, no-shows, late cancellations, the last visit.</summary>
/// <param name="LateCancelled">Of <paramref name="Cancelled"/>, those cancelled inside the service's cancellation-policy window (see <see cref="CustomerDirectory.IsLateCancel"/>).</param>
/// <param name="Tier">The loyalty tier the visits give (issue 14).</param>
public sealed record CustomerFigures(IReadOnlyList<MoneyView> TotalSpent, int Bookings, int Visits, int NoShows, int Cancelled, Instant? LastVisit,
    int LateCancelled = 0, LoyaltyTier Tier = LoyaltyTier.New);

public enum MergeResult
{
    Done,
    NotFound,
    Same,
    /// <summary>One of the two was merged or erased meanwhile (another merge won the race): nothing moved.</summary>
    Conflict,
}

/// <summary>
/// The CRM behind admin → Customers: search, filters, figures, notes, tags and merging duplicates. Every query
/// runs through the tenant's query filter, so another business's clients are never read, tagged or merged.
/// A visit is a booking that took place: completed, in progress, or confirmed and started.
/// </summary>
public static class CustomerDirectory
{
    public const int MaxNote = 2000;
    public const int MaxTag = 40;
    /// <summary>The most clients one bulk tag may name.</summary>
    public const int MaxBulk = 500;
    public const string TagRule = "A tag is 1 to 40 letters, digits, spaces, dashes or underscores.";

    /// <summary>Tags are kept trimmed and in lower case, so "VIP" and "vip " are one tag.</summary>
    public static string? NormalizeTag(string? raw)
    {
        var tag = raw?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(tag) || tag.Length > MaxTag || !tag.All(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_'))
        {
            return null;
        }
        return tag;
    }

    public static IQueryable<CustomerRow> Query(BookwellDb db, CustomerFilter filter, Instant now, DateTimeZone zone, string? onlyStaff, LoyaltyTiers? tiers = null)
    {
        tiers ??= LoyaltyTiers.Default;
        var (returning, regular, vip) = (tiers.Returning, tiers.Regular, tiers.Vip);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        var customers = db.Customers.AsNoTracking().Where(c => c.MergedIntoId == null);
        if (onlyStaff is not null)
        {
            // Staff see the clients they have served or will serve.
            customers = customers.Where(c => db.Bookings.Any(b => b.CustomerId == c.Id && b.StaffKey == onlyStaff));
        }
        if (filter.Query is { } q)
        {
            // upper() folds Unicode on both databases (see the SQLite connection setup), as EmailNormalized is stored.
            var needle = q.ToUpperInvariant();
            var digits = new string(q.Where(char.IsAsciiDigit).ToArray());
            var phoneLike = digits.Length >= 3 && q.All(ch => char.IsAsciiDigit(ch) || ch is ' ' or '-' or '+' or '(' or ')' or '.' or '/');
            // A phone number as typed anywhere: without spaces, dashes, dots or brackets; a national 0 matches the number after a country code.
            var national = digits.StartsWith('0') ? digits.TrimStart('0') : digits;
            customers = customers.Where(c => c.Name.ToUpper().Contains(needle) || c.EmailNormalized.Contains(needle) ||
                (c.Phone != null && (c.Phone.Contains(q) || (phoneLike && c.Phone.Replace(" ", "").Replace("-", "").Replace(".", "").Replace("(", "").Replace(")", "").Replace("/", "").Contains(national)))));
        }
        if (filter.Tag is { } tag)
        {
            customers = customers.Where(c => db.CustomerTags.Any(t => t.CustomerId == c.Id && t.Tag == tag));
        }
        if (filter.Marketing is { } marketing)
        {
            customers = customers.Where(c => c.MarketingOptIn == marketing);
        }
        var rows = customers.Select(c => new
        {
            Customer = c,
            Bookings = db.Bookings.Count(b => b.CustomerId == c.Id),
            Visits = db.Bookings.Count(b => b.CustomerId == c.Id && (b.Status == BookingStatus.Completed || b.Status == BookingStatus.InProgress ||
                                                                    (b.Status == BookingStatus.Confirmed && b.StartsAt <= now))),
            NoShows = db.Bookings.Count(b => b.CustomerId == c.Id && b.Status == BookingStatus.NoShow),
            LastVisit = db.Bookings.Where(b => b.CustomerId == c.Id && (b.Status == BookingStatus.Completed || b.Status == BookingStatus.InProgress ||
                                                                        (b.Status == BookingStatus.Confirmed && b.StartsAt <= now)))
                .Max(b => (Instant?)b.StartsAt),
        }).Select(r => new CustomerRow
        {
            Customer = r.Customer,
            Bookings = r.Bookings,
            Visits = r.Visits,
            NoShows = r.NoShows,
            LastVisit = r.LastVisit,
            Tier = r.Visits >= vip ? LoyaltyTier.Vip : r.Visits >= regular ? LoyaltyTier.Regular : r.Visits >= returning ? LoyaltyTier.Returning : LoyaltyTier.New,
        });
        if (filter.Tier is { } tier)
        {
            var (from, below) = tiers.Range(tier);
            rows = below is { } upper ? rows.Where(r => r.Visits >= from && r.Visits < upper) : rows.Where(r => r.Visits >= from);
        }
        if (filter.NoShowsAtLeast is { } n)
        {
            rows = rows.Where(r => r.NoShows >= n);
        }
        if (filter.LastVisitBefore is { } before)
        {
            var limit = zone.AtStartOfDay(before).ToInstant();
            rows = rows.Where(r => r.LastVisit != null && r.LastVisit < limit);
        }
        if (filter.LastVisitAfter is { } after)
        {
            var limit = zone.AtStartOfDay(after.PlusDays(1)).ToInstant();
            rows = rows.Where(r => r.LastVisit != null && r.LastVisit >= limit);
        }
        return filter.Sort switch
        {
            "name-desc" => rows.OrderByDescending(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
            "last-visit" => rows.OrderBy(r => r.LastVisit == null).ThenByDescending(r => r.LastVisit).ThenBy(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
            "last-visit-asc" => rows.OrderBy(r => r.LastVisit == null).ThenBy(r => r.LastVisit).ThenBy(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
            "visits" => rows.OrderByDescending(r => r.Visits).ThenBy(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
            "no-shows" => rows.OrderByDescending(r => r.NoShows).ThenBy(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
            "newest" => rows.OrderByDescending(r => r.Customer.CreatedAt).ThenBy(r => r.Customer.Id),
            _ => rows.OrderBy(r => r.Customer.Name).ThenBy(r => r.Customer.Id),
        };
    }

    /// <summary>The tags of these clients, by client.</summary>
    public static async Task<Dictionary<Guid, List<string>>> TagsOfAsync(BookwellDb db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var rows = await db.CustomerTags.AsNoTracking().Where(t => ids.Contains(t.CustomerId)).OrderBy(t => t.Tag).ToListAsync(ct);
        return rows.GroupBy(t => t.CustomerId).ToDictionary(g => g.Key, g => g.Select(t => t.Tag).ToList());
    }

    /// <summary>Every tag in use at this business, for the filter.</summary>
    public static Task<List<string>> AllTagsAsync(BookwellDb db, CancellationToken ct) =>
        db.CustomerTags.AsNoTracking().Select(t => t.Tag).Distinct().OrderBy(t => t).ToListAsync(ct);

    /// <summary>The ids whose bookings count as this client's: the client and every duplicate merged into it.</summary>
    public static async Task<List<Guid>> IdsOfAsync(BookwellDb db, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var merged = await db.Customers.AsNoTracking().Where(c => c.MergedIntoId == id).Select(c => c.Id).ToListAsync(ct);
        return [id, .. merged];
    }

    /// <summary>What the bookings brought in, per booking: its payments less its refunds, a sum per currency. Bookings without payments are absent.</summary>
    public static async Task<Dictionary<Guid, IReadOnlyList<MoneyView>>> PaidByBookingAsync(BookwellDb db, IReadOnlyCollection<Guid> bookingIds, CancellationToken ct) =>
        (await PaymentsOfAsync(db, bookingIds, ct)).GroupBy(p => p.BookingId).ToDictionary(g => g.Key, g => Net(g.Select(p => p.Payment)));

    private static async Task<List<(Guid BookingId, (decimal Amount, string Currency, PaymentKind Kind) Payment)>> PaymentsOfAsync(BookwellDb db,
        IReadOnlyCollection<Guid> bookingIds, CancellationToken ct) =>
        [.. (await db.Payments.AsNoTracking().Where(p => bookingIds.Contains(p.BookingId)).Select(p => new { p.BookingId, p.Amount, p.Currency, p.Kind }).ToListAsync(ct))
            .Select(p => (p.BookingId, (p.Amount, p.Currency, p.Kind)))];

    /// <summary>Payments less refunds, one sum per currency (amounts in different currencies are never added up).</summary>
    private static IReadOnlyList<MoneyView> Net(IEnumerable<(decimal Amount, string Currency, PaymentKind Kind)> payments) =>
        [.. payments.GroupBy(p => p.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MoneyView(g.Sum(p => p.Kind == PaymentKind.Refund ? -p.Amount : p.Amount), g.Key))];

    /// <summary>
    /// The figures of the client with these ids. A cancellation is late when it happened (its history's cancel event)
    /// inside the cancellation-policy window of the booked service: fewer hours before the start than the policy's
    /// largest <c>hoursBefore</c>, where the client no longer gets everything back the policy offers. A service without
    /// a policy, or with an empty one, has no window, so its cancellations are never late.
    /// </summary>
    public static async Task<CustomerFigures> FiguresAsync(BookwellDb db, IReadOnlyCollection<Guid> ids, Instant now, Configuration.TenantCatalog catalog, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(catalog);
        var bookings = await db.Bookings.AsNoTracking().Where(b => ids.Contains(b.CustomerId))
            .Select(b => new { b.Id, b.Status, b.StartsAt, b.PageSlug, b.ServiceKey, b.VisitPartsJson }).ToListAsync(ct);
        var visits = bookings.Where(b => IsVisit(b.Status, b.StartsAt, now)).ToList();
        var bookingIds = bookings.Select(b => b.Id).ToList();
        var spent = Net((await PaymentsOfAsync(db, bookingIds, ct)).Select(p => p.Payment));
        var cancelled = bookings.Where(b => b.Status == BookingStatus.Cancelled).ToList();
        var cancelledIds = cancelled.Select(b => b.Id).ToList();
        // The last move into cancelled is the cancellation that stands (a reopened booking may have been cancelled before).
        var cancelledAt = (await db.BookingEvents.AsNoTracking().Where(ev => cancelledIds.Contains(ev.BookingId) && ev.ToStatus == BookingStatus.Cancelled)
                .Select(ev => new { ev.BookingId, ev.At }).ToListAsync(ct))
            .GroupBy(ev => ev.BookingId).ToDictionary(g => g.Key, g => g.Max(ev => ev.At));
        var late = cancelled.Count(b => cancelledAt.TryGetValue(b.Id, out var at) && IsLateCancel(WindowOf(catalog, b.PageSlug, b.ServiceKey, b.VisitPartsJson), b.StartsAt, at));
        return new CustomerFigures(spent, bookings.Count, visits.Count, bookings.Count(b => b.Status == BookingStatus.NoShow),
            cancelled.Count, visits.Count > 0 ? visits.Max(b => b.StartsAt) : null, late, LoyaltyTiers.Of(catalog).Of(visits.Count));
    }

    /// <summary>
    /// The cancellation-policy window of a service: its policy's largest <c>hoursBefore</c>; null without a policy or tiers. A visit of
    /// several services (<paramref name="visitPartsJson"/>) has the strictest policy over all its parts (<see cref="Bookings.Visits.Strictest"/>),
    /// as its booking page states it, so a late cancellation of any part counts, not only of the first.
    /// </summary>
    public static Duration? WindowOf(Configuration.TenantCatalog catalog, string pageSlug, string serviceKey, string? visitPartsJson = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        catalog.Pages.TryGetValue(pageSlug, out var page);
        var parts = Bookings.Visits.Parts(visitPartsJson);
        var policy = parts is { Count: > 0 }
            ? Bookings.Visits.Strictest([.. parts.Select(p => page?.Services.GetValueOrDefault(p.Service)?.Doc.CancellationPolicy)])
            : page is not null && page.Services.TryGetValue(serviceKey, out var service) ? service.Doc.CancellationPolicy : null;
        var hours = policy?.Refunds?.Where(t => t?.HoursBefore is > 0).Select(t => t!.HoursBefore!.Value).DefaultIfEmpty(0).Max() ?? 0;
        return hours > 0 ? Duration.FromHours(hours) : null;
    }

    /// <summary>Cancelled at <paramref name="at"/> less than the window before <paramref name="start"/> (or after the start).</summary>
    public static bool IsLateCancel(Duration? window, Instant start, Instant at) => window is { } w && start - at < w;

    public static bool IsVisit(BookingStatus status, Instant start, Instant now) =>
        status is BookingStatus.Completed or BookingStatus.InProgress || (status == BookingStatus.Confirmed && start <= now);

    /// <summary>The answers to the page's intake questions, per booking that has any (newest first).</summary>
    public static List<(Booking Booking, List<(string Question, string Answer)> Answers)> IntakeAnswers(IEnumerable<Booking> bookings, Configuration.TenantCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var result = new List<(Booking, List<(string, string)>)>();
        foreach (var b in bookings.Where(b => b.AnswersJson is { Length: > 2 }))
        {
            var labels = catalog.Pages.TryGetValue(b.PageSlug, out var page) && page.Services.TryGetValue(b.ServiceKey, out var service)
                ? (service.Doc.Fields ?? []).Where(f => f.Key is not null).ToDictionary(f => f.Key!, f => f.Label ?? f.Key!, StringComparer.Ordinal)
                : [];
            try
            {
                using var doc = JsonDocument.Parse(b.AnswersJson);
                var answers = doc.RootElement.EnumerateObject().Select(p => (labels.GetValueOrDefault(p.Name, p.Name), p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString() ?? "",
                    JsonValueKind.True => AdminText.L("Yes"),
                    JsonValueKind.False => AdminText.L("No"),
                    JsonValueKind.Array => string.Join(", ", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
                    _ => p.Value.GetRawText(),
                })).ToList();
                if (answers.Count > 0)
                {
                    result.Add((b, answers));
                }
            }
            catch (JsonException)
            {
                // A row written by hand: nothing to show.
            }
        }
        return result;
    }

    public static async Task<CustomerNote?> AddNoteAsync(BookwellDb db, Guid customerId, string text, string author, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.Customers.AnyAsync(c => c.Id == customerId && c.MergedIntoId == null && c.ErasedAt == null, ct))
        {
            return null;
        }
        var note = new CustomerNote { Id = Ids.New(), TenantId = db.TenantId, CustomerId = customerId, Text = text, Author = author, At = now };
        db.CustomerNotes.Add(note);
        await db.SaveChangesAsync(ct);
        return note;
    }

    /// <summary>Adds a tag (twice is once); false when there is no such client here.</summary>
    public static async Task<bool> TagAsync(BookwellDb db, SqliteWriteGate gate, Guid customerId, string tag, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        if (!await db.Customers.AnyAsync(c => c.Id == customerId && c.MergedIntoId == null && c.ErasedAt == null, ct))
        {
            return false;
        }
        using (await gate.EnterAsync(db, ct))
        {
            if (await db.CustomerTags.AnyAsync(t => t.CustomerId == customerId && t.Tag == tag, ct))
            {
                return true;
            }
            db.CustomerTags.Add(new CustomerTag { TenantId = db.TenantId, CustomerId = customerId, Tag = tag, At = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Added meanwhile by someone else: the tag is there, which is what was asked.
                db.ChangeTracker.Clear();
            }
        }
        return true;
    }

    /// <summary>
    /// Adds one tag to many clients (issue 14's bulk tag): ids that are not a live client of this business (another
    /// business's, merged, erased or unknown) are left out and returned as not found. Each client goes through
    /// <see cref="TagAsync"/>, so twice is once and a race with another tagger ends with the tag there.
    /// </summary>
    public static async Task<(List<Guid> Tagged, List<Guid> NotFound)> TagManyAsync(BookwellDb db, SqliteWriteGate gate, IReadOnlyCollection<Guid> ids, string tag, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(ids);
        var distinct = ids.Distinct().ToList();
        var live = (await db.Customers.AsNoTracking().Where(c => distinct.Contains(c.Id) && c.MergedIntoId == null && c.ErasedAt == null).Select(c => c.Id).ToListAsync(ct)).ToHashSet();
        var tagged = new List<Guid>();
        foreach (var id in distinct.Where(live.Contains))
        {
            if (await TagAsync(db, gate, id, tag, now, ct))
            {
                tagged.Add(id);
            }
        }
        return (tagged, [.. distinct.Where(id => !tagged.Contains(id))]);
    }

    public static async Task<bool> UntagAsync(BookwellDb db, Guid customerId, string tag, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!await db.Customers.AnyAsync(c => c.Id == customerId && c.MergedIntoId == null, ct))
        {
            return false;
        }
        await db.CustomerTags.Where(t => t.CustomerId == customerId && t.Tag == tag).ExecuteDeleteAsync(ct);
        return true;
    }

    /// <summary>
    /// Merges the duplicate <paramref name="loserId"/> into <paramref name="winnerId"/> in one transaction: bookings,
    /// notes, tags, sign-in links, organization memberships and no-show fees move; the duplicate's address keeps
    /// pointing at the kept client; a note records who merged what, and the audit log that it happened (ids only). Both rows are claimed first, in id order and
    /// only while neither is merged or erased, so of two merges racing over the same clients one does all and the
    /// other nothing (PostgreSQL row locks; on SQLite the write gate and the database's single writer).
    /// </summary>
    public static async Task<MergeResult> MergeAsync(BookwellDb db, SqliteWriteGate gate, Guid winnerId, Guid loserId, string author, string auditActor, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        if (winnerId == loserId)
        {
            return MergeResult.Same;
        }
        var pair = new[] { winnerId, loserId };
        if (await db.Customers.CountAsync(c => pair.Contains(c.Id), ct) != 2)
        {
            return MergeResult.NotFound;
        }
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                foreach (var id in pair.Order())
                {
                    var claimed = await db.Customers.Where(c => c.Id == id && c.MergedIntoId == null && c.ErasedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now), ct);
                    if (claimed != 1)
                    {
                        await tx.RollbackAsync(ct);
                        return MergeResult.Conflict;
                    }
                }
                db.ChangeTracker.Clear();
                var winner = await db.Customers.SingleAsync(c => c.Id == winnerId, ct);
                var loser = await db.Customers.SingleAsync(c => c.Id == loserId, ct);
                await db.Bookings.Where(b => b.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(b => b.CustomerId, winnerId), ct);
                await db.CustomerNotes.Where(n => n.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(n => n.CustomerId, winnerId), ct);
                var have = await db.CustomerTags.Where(t => t.CustomerId == winnerId).Select(t => t.Tag).ToListAsync(ct);
                var moving = await db.CustomerTags.AsNoTracking().Where(t => t.CustomerId == loserId).ToListAsync(ct);
                await db.CustomerTags.Where(t => t.CustomerId == loserId).ExecuteDeleteAsync(ct);
                foreach (var t in moving.Where(t => !have.Contains(t.Tag)))
                {
                    db.CustomerTags.Add(new CustomerTag { TenantId = db.TenantId, CustomerId = winnerId, Tag = t.Tag, At = t.At });
                }
                await db.ClientSignInTokens.Where(t => t.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(t => t.CustomerId, winnerId), ct);
                if (!await db.ClientAccounts.AnyAsync(a => a.CustomerId == winnerId, ct))
                {
                    await db.ClientAccounts.Where(a => a.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(a => a.CustomerId, winnerId), ct);
                }
                await db.ClientPushSubscriptions.Where(s => s.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(x => x.CustomerId, winnerId), ct);
                await db.OrganizationMembers.Where(m => m.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(m => m.CustomerId, winnerId), ct);
                await db.Set<NoShowFee>().Where(f => f.CustomerId == loserId).ExecuteUpdateAsync(s => s.SetProperty(f => f.CustomerId, (Guid?)winnerId), ct);
                // Duplicates merged into the loser before now point at the kept client too (one hop, always).
                await db.Customers.Where(c => c.MergedIntoId == loserId).ExecuteUpdateAsync(s => s.SetProperty(c => c.MergedIntoId, winnerId), ct);
                winner.Phone ??= loser.Phone;
                winner.Birthday ??= loser.Birthday;
                winner.Gender ??= loser.Gender;
                winner.Address ??= loser.Address;
                if (loser.MarketingOptIn && (!winner.MarketingOptIn || loser.MarketingOptInAt < winner.MarketingOptInAt))
                {
                    (winner.MarketingOptIn, winner.MarketingOptInAt, winner.MarketingOptInSource) = (true, loser.MarketingOptInAt, loser.MarketingOptInSource);
                }
                winner.UpdatedAt = now;
                loser.MergedIntoId = winnerId;
                loser.UpdatedAt = now;
                var what = string.Create(CultureInfo.InvariantCulture, $"Merged {loser.Name} <{loser.Email}> into this client.");
                db.CustomerNotes.Add(new CustomerNote { Id = Ids.New(), TenantId = db.TenantId, CustomerId = winnerId, Text = what, Author = author, At = now });
                CrmAudit.Add(db, auditActor, CrmAuditAction.Merge, winnerId, now, loserId);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return MergeResult.Done;
            }
            catch (Exception ex) when (IsSerializationFailure(ex))
            {
                await tx.RollbackAsync(CancellationToken.None);
                return MergeResult.Conflict;
            }
        }
    }

    private static bool IsSerializationFailure(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: "40001" or "40P01" })
            {
                return true;
            }
        }
        return false;
    }
}
