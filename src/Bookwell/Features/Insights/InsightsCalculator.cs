using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Payments;
using Bookwell.Scheduling.Availability;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;

namespace Bookwell.Features.Insights;

/// <summary>Contract 4.10: customer figures of a date range (definitions in docs/api.md, "Insights").</summary>
public sealed record CustomerInsights(int Total, int New, double? RetentionRate, int Vip, int RepeatNoShows, int MarketingOptIns,
    double? AverageVisits, int Inactive);

/// <summary>Contract 4.10: booking figures of a date range. <see cref="RevenueOtherCurrencies"/> is additive.</summary>
public sealed record BookingInsights(int Count, MoneyView Revenue, string? MostPopularService, string? BusiestWeekday, int? BusiestHour,
    double AveragePerDay, double? OccupancyRate, IReadOnlyList<MoneyView> RevenueOtherCurrencies, int BookedMinutes, int AvailableMinutes,
    IReadOnlyList<int> ByWeekday, IReadOnlyList<int> ByHour, IReadOnlyDictionary<string, int> ByService);

/// <summary>The answer of <c>GET /api/v1/admin/insights</c>; <see cref="Range"/> is additive.</summary>
public sealed record InsightsReport(CustomerInsights Customers, BookingInsights Bookings, InsightsRange Range);

/// <summary>What the figures were computed over: the dates, their number, the zone they are local to, and the page filter.</summary>
public sealed record InsightsRange(string From, string To, int Days, string TimeZone, string? Page)
{
    /// <summary>Additive (issue 15): the service the booking figures and available time were limited to; null for all.</summary>
    public string? Service { get; init; }
}

/// <summary>
/// Computes the insights of one business over local dates. Bookings are aggregated in SQL (counts per local day
/// and hour, per service, per customer); only the results (a few hundred rows at most for the booking figures,
/// one row for the customer figures) and the ledger rows of bookings that have money on them come back.
/// </summary>
public sealed class InsightsCalculator(BookwellDb db, CatalogCache cache)
{
    /// <summary>No counted booking in this many days up to the range's last day makes a customer inactive.</summary>
    public const int InactiveDays = 90;

    public const int MaxDays = 366;

    private static readonly string[] WeekdayKeys = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    /// <summary>The business's zone: the page's when one is named, else the first configured page's, else UTC.</summary>
    public static DateTimeZone ZoneOf(TenantCatalog catalog, string? page)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (page is not null && catalog.Pages.TryGetValue(page, out var p))
        {
            return p.Zone;
        }
        var first = catalog.Document.Pages?.FirstOrDefault(d => d.Slug is not null && catalog.Pages.ContainsKey(d.Slug));
        return first is null ? DateTimeZone.Utc : catalog.Pages[first.Slug!].Zone;
    }

    /// <summary>
    /// The figures of a range; with <paramref name="service"/> (issue 15) the booking figures count that service's bookings only
    /// and the available time is that service's (its staff's hours narrowed by the service's own); customer figures stay the page's.
    /// </summary>
    public async Task<InsightsReport> ComputeAsync(LocalDate from, LocalDate to, string? page, CancellationToken ct, string? service = null)
    {
        var catalog = await cache.GetAsync(db, ct);
        var zone = ZoneOf(catalog, page);
        var days = Period.Between(from, to, PeriodUnits.Days).Days + 1;
        var lo = from.AtStartOfDayInZone(zone).ToInstant();
        var hi = to.PlusDays(1).AtStartOfDayInZone(zone).ToInstant();
        var inactiveBefore = to.PlusDays(1 - InactiveDays).AtStartOfDayInZone(zone).ToInstant();

        // A VIP is a customer at the business's top loyalty tier (settings.loyalty, issue 14): the CRM's threshold, not one of its own.
        var customers = await CustomersAsync(page, lo, hi, inactiveBefore, Admin.LoyaltyTiers.Of(catalog).Vip, ct);
        var bookings = await BookingsAsync(catalog, zone, page, service, from, to, days, lo, hi, ct);
        return new InsightsReport(customers, bookings,
            new InsightsRange(from.ToString("yyyy-MM-dd", null), to.ToString("yyyy-MM-dd", null), days, zone.Id, page) { Service = service });
    }

    private IQueryable<Booking> InRange(string? page, Instant lo, Instant hi, string? service = null)
    {
        var q = db.Bookings.AsNoTracking().Where(b => b.StartsAt >= lo && b.StartsAt < hi);
        q = service is null ? q : q.Where(b => b.ServiceKey == service);
        return page is null ? q : q.Where(b => b.PageSlug == page);
    }

    private async Task<BookingInsights> BookingsAsync(TenantCatalog catalog, DateTimeZone zone, string? page, string? service, LocalDate from,
        LocalDate to, int days, Instant lo, Instant hi, CancellationToken ct)
    {
        // Per local day and hour: count and booked minutes, in SQL. The zone's offset is a CASE over its transitions in the range.
        var cells = await CellsAsync(zone, page, service, lo, hi, ct);
        var byWeekday = new int[7];
        var byHour = new int[24];
        long bookedMinutes = 0;
        var count = 0;
        foreach (var (day, hour, n, minutes) in cells)
        {
            var date = new LocalDate(1970, 1, 1).PlusDays((int)day);
            byWeekday[(int)date.DayOfWeek - 1] += n;
            byHour[hour] += n;
            bookedMinutes += minutes;
            count += n;
        }
        var cancelled = BookingStatus.Cancelled;
        var services = await InRange(page, lo, hi, service).Where(b => b.Status != cancelled)
            .GroupBy(b => b.ServiceKey).Select(g => new { Key = g.Key, Count = g.Count() }).ToListAsync(ct);
        var byService = services.ToDictionary(s => s.Key, s => s.Count, StringComparer.Ordinal);

        var (revenue, others) = await RevenueAsync(catalog, page, service, lo, hi, ct);
        var available = AvailableMinutes(catalog, page, from, to, service);
        return new BookingInsights(
            Count: count,
            Revenue: revenue,
            MostPopularService: byService.Count == 0 ? null
                : byService.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).First().Key,
            BusiestWeekday: count == 0 ? null : WeekdayKeys[FirstMax(byWeekday)],
            BusiestHour: count == 0 ? null : FirstMax(byHour),
            AveragePerDay: count / (double)days,
            OccupancyRate: available == 0 ? null : bookedMinutes / (double)available,
            RevenueOtherCurrencies: others,
            BookedMinutes: (int)Math.Min(bookedMinutes, int.MaxValue),
            AvailableMinutes: (int)Math.Min(available, int.MaxValue),
            ByWeekday: byWeekday,
            ByHour: byHour,
            ByService: byService);
    }

    /// <summary>The index of the largest value; the first one on a tie.</summary>
    private static int FirstMax(int[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    private async Task<List<(long Day, int Hour, int Count, long Minutes)>> CellsAsync(DateTimeZone zone, string? page, string? service, Instant lo, Instant hi,
        CancellationToken ct)
    {
        var pg = db.IsPostgres;
        var parameters = new List<(string Name, object Value)>();
        string Param(object value)
        {
            var name = $"@p{parameters.Count}";
            parameters.Add((name, value));
            return name;
        }
        object At(Instant i) => pg ? i : i.ToUnixTimeTicks();

        // Offsets in seconds over the range: the zone's intervals meeting [lo, hi).
        var intervals = zone.GetZoneIntervals(lo, hi).ToList();
        var last = intervals.Count == 0 ? 0 : intervals[^1].WallOffset.Seconds;
        var offset = new System.Text.StringBuilder(intervals.Count <= 1 ? $"{last}" : "CASE");
        if (intervals.Count > 1)
        {
            for (var i = 0; i < intervals.Count - 1; i++)
            {
                offset.Append($" WHEN \"StartsAt\" < {Param(At(intervals[i].End))} THEN {intervals[i].WallOffset.Seconds}");
            }
            offset.Append($" ELSE {last} END");
        }
        var seconds = pg ? "CAST(EXTRACT(EPOCH FROM \"StartsAt\") AS bigint)" : "(\"StartsAt\" / 10000000)";
        var minutes = pg ? "CAST(EXTRACT(EPOCH FROM (\"EndsAt\" - \"StartsAt\")) AS bigint) / 60" : "((\"EndsAt\" - \"StartsAt\") / 600000000)";
        var where = $"\"TenantId\" = {Param(db.TenantId)} AND \"StartsAt\" >= {Param(At(lo))} AND \"StartsAt\" < {Param(At(hi))} AND \"Status\" <> {Param(Wire<BookingStatus>.Name(BookingStatus.Cancelled))}"
                    + (page is null ? "" : $" AND \"PageSlug\" = {Param(page)}")
                    + (service is null ? "" : $" AND \"ServiceKey\" = {Param(service)}");
        var sql = $"""
            SELECT "Day", "Hour", COUNT(*), SUM("Minutes") FROM (
                SELECT ({seconds} + ({offset})) / 86400 AS "Day", (({seconds} + ({offset})) % 86400) / 3600 AS "Hour", {minutes} AS "Minutes"
                FROM "Bookings" WHERE {where}
            ) AS cells GROUP BY "Day", "Hour"
            """;
        return await QueryAsync(sql, parameters, r => (Long(r, 0), (int)Long(r, 1), (int)Long(r, 2), Long(r, 3)), ct);
    }

    private static long Long(System.Data.Common.DbDataReader reader, int i) =>
        reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs one SQL text written here (values only as parameters) on the context's connection and transaction.</summary>
    private async Task<List<T>> QueryAsync<T>(string sql, List<(string Name, object Value)> parameters, Func<System.Data.Common.DbDataReader, T> read, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
        try
        {
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(read(reader));
            }
            return rows;
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    /// <summary>
    /// Paid or due on the bookings that start in the range: on a live booking the larger of its price and what the
    /// ledger holds for it (charges less refunds), on a cancelled one only what the ledger holds.
    /// </summary>
    private async Task<(MoneyView Revenue, IReadOnlyList<MoneyView> Others)> RevenueAsync(TenantCatalog catalog, string? page, string? service, Instant lo,
        Instant hi, CancellationToken ct)
    {
        var currency = MainCurrency(catalog, page);
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(string c, decimal amount) => totals[c] = totals.GetValueOrDefault(c) + amount;

        var range = InRange(page, lo, hi, service);
        var cancelled = BookingStatus.Cancelled;
        // Bookings with money on them (a ledger row or a checkout session) are taken one by one; the rest by price per service.
        var moneyIds = range.Where(b => db.Payments.Any(p => p.BookingId == b.Id) || db.CheckoutSessions.Any(s => s.BookingId == b.Id)).Select(b => b.Id);
        var plain = await range.Where(b => b.Status != cancelled && !moneyIds.Contains(b.Id))
            .GroupBy(b => new { b.PageSlug, b.ServiceKey }).Select(g => new { g.Key.PageSlug, g.Key.ServiceKey, Count = g.Count() }).ToListAsync(ct);
        foreach (var g in plain)
        {
            var price = catalog.Pages.GetValueOrDefault(g.PageSlug)?.Services.GetValueOrDefault(g.ServiceKey)?.Doc.Price;
            if (price?.Amount is { } amount && price.Currency is { } c)
            {
                Add(c, amount * g.Count);
            }
        }
        var withMoney = await range.Where(b => moneyIds.Contains(b.Id)).Select(b => new { b.Id, b.Status, b.PageSlug, b.ServiceKey }).ToListAsync(ct);
        if (withMoney.Count > 0)
        {
            var ids = range.Where(b => moneyIds.Contains(b.Id)).Select(b => b.Id);
            var ledger = (await db.Payments.AsNoTracking().Where(p => ids.Contains(p.BookingId))
                .Select(p => new { p.BookingId, p.Amount, p.Currency, p.Kind }).ToListAsync(ct)).ToLookup(p => p.BookingId);
            var sessions = (await db.CheckoutSessions.AsNoTracking().Where(s => ids.Contains(s.BookingId))
                .Select(s => new { s.BookingId, s.Total, s.Currency, s.CreatedAt }).ToListAsync(ct)).ToLookup(s => s.BookingId);
            foreach (var b in withMoney)
            {
                var session = sessions[b.Id].OrderByDescending(s => s.CreatedAt).FirstOrDefault();
                var priced = catalog.Pages.GetValueOrDefault(b.PageSlug)?.Services.GetValueOrDefault(b.ServiceKey)?.Doc.Price;
                var moves = ledger[b.Id].ToList();
                var c = session?.Currency ?? moves.FirstOrDefault()?.Currency ?? priced?.Currency ?? currency;
                var price = session?.Total ?? (priced?.Currency == c ? priced.Amount ?? 0m : 0m);
                var paid = moves.Where(p => p.Currency == c).Sum(p => p.Kind == Bookwell.Data.PaymentKind.Refund ? -p.Amount : p.Amount);
                Add(c, b.Status == BookingStatus.Cancelled ? paid : Math.Max(price, paid));
                // Money in another currency than the booking's own (rare: a provider's conversion) is still money taken.
                foreach (var other in moves.Where(p => p.Currency != c).GroupBy(p => p.Currency))
                {
                    Add(other.Key, other.Sum(p => p.Kind == Bookwell.Data.PaymentKind.Refund ? -p.Amount : p.Amount));
                }
            }
        }
        var main = new MoneyView(MinorUnits.Round(totals.GetValueOrDefault(currency), currency), currency);
        var others = totals.Where(t => t.Key != currency && t.Value != 0).OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new MoneyView(MinorUnits.Round(t.Value, t.Key), t.Key)).ToList();
        return (main, others);
    }

    /// <summary>The business's currency: the first priced service's, on the named page or else the pages in order; EUR without any.</summary>
    public static string MainCurrency(TenantCatalog catalog, string? page)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var docs = (catalog.Document.Pages ?? []).Where(p => page is null || p.Slug == page);
        return docs.SelectMany(p => p.Services ?? []).Select(s => s.Price?.Currency).FirstOrDefault(c => !string.IsNullOrEmpty(c)) ?? "EUR";
    }

    /// <summary>
    /// Minutes the business could be booked on the range's dates: per page in scope and date, each active staff
    /// member's hours (their own inside the page's or branch's), or the page's hours once where it has no active staff.
    /// With <paramref name="service"/> (issue 15): only pages where that service is active, only the staff members who give
    /// it (the page's hours once for a service that needs nobody, or has nobody), each narrowed by the service's own hours.
    /// </summary>
    public static long AvailableMinutes(TenantCatalog catalog, string? page, LocalDate from, LocalDate to, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        long total = 0;
        foreach (var p in catalog.Pages.Values.Where(p => page is null || p.Slug == page))
        {
            var only = service is null ? null : p.ActiveService(service);
            if (service is not null && only is null)
            {
                continue;
            }
            var staff = only is null ? p.Staff.Where(s => s.Doc.Active != false).ToList()
                : only.Rules.RequiresStaff ? p.StaffFor(only.Key).ToList() : [];
            IReadOnlyList<TimeRange> Narrow(IReadOnlyList<TimeRange> hours, LocalDate d) =>
                only?.Rules.Hours is { } own ? LocalRanges.Intersect(hours, own.HoursOn(d)) : hours;
            for (var d = from; d <= to; d = d.PlusDays(1))
            {
                if (staff.Count == 0)
                {
                    total += Narrow(p.Hours.HoursOn(d), d).Sum(r => r.EndMinute - r.StartMinute);
                    continue;
                }
                foreach (var s in staff)
                {
                    var base_ = (s.Branch is not null ? p.Branches.FirstOrDefault(b => b.Key == s.Branch)?.Hours : null) ?? p.Hours;
                    var hours = base_.HoursOn(d);
                    if (s.Hours is not null)
                    {
                        hours = LocalRanges.Intersect(hours, s.Hours.HoursOn(d));
                    }
                    total += Narrow(hours, d).Sum(r => r.EndMinute - r.StartMinute);
                }
            }
        }
        return total;
    }

    private async Task<CustomerInsights> CustomersAsync(string? page, Instant lo, Instant hi, Instant inactiveBefore, int vipVisits, CancellationToken ct)
    {
        var pg = db.IsPostgres;
        var parameters = new List<(string Name, object Value)>();
        string Param(object value)
        {
            var name = $"@c{parameters.Count}";
            parameters.Add((name, value));
            return name;
        }
        object At(Instant i) => pg ? i : i.ToUnixTimeTicks();
        var tenant = Param(db.TenantId);
        var from = Param(At(lo));
        var noShow = Param(Wire<BookingStatus>.Name(BookingStatus.NoShow));
        // Per customer with a live booking (in scope) starting before the range ends, then one row over them, all in SQL.
        var sql = $"""
            SELECT COUNT(*),
                   SUM(CASE WHEN x."First" >= {from} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x."First" < {from} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x."First" < {from} AND x."InRange" > 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x."Visits" >= {Param(vipVisits)} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x."NoShows" >= 2 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN c."MarketingOptIn" = {Param(true)} AND c."ErasedAt" IS NULL THEN 1 ELSE 0 END),
                   SUM(x."Visits"),
                   SUM(CASE WHEN x."Last" < {Param(At(inactiveBefore))} THEN 1 ELSE 0 END)
            FROM (
                SELECT b."CustomerId", MIN(b."StartsAt") AS "First", MAX(b."StartsAt") AS "Last",
                       SUM(CASE WHEN b."StartsAt" >= {from} THEN 1 ELSE 0 END) AS "InRange",
                       SUM(CASE WHEN b."Status" <> {noShow} THEN 1 ELSE 0 END) AS "Visits",
                       SUM(CASE WHEN b."Status" = {noShow} THEN 1 ELSE 0 END) AS "NoShows"
                FROM "Bookings" AS b
                WHERE b."TenantId" = {tenant} AND b."StartsAt" < {Param(At(hi))} AND b."Status" <> {Param(Wire<BookingStatus>.Name(BookingStatus.Cancelled))}
                      {(page is null ? "" : $"AND b.\"PageSlug\" = {Param(page)}")}
                GROUP BY b."CustomerId"
            ) AS x
            LEFT JOIN "Customers" AS c ON c."Id" = x."CustomerId" AND c."TenantId" = {tenant}
            """;
        var row = (await QueryAsync(sql, parameters, r => Enumerable.Range(0, 9).Select(i => Long(r, i)).ToArray(), ct)).FirstOrDefault();
        if (row is null || row[0] == 0)
        {
            return new CustomerInsights(0, 0, null, 0, 0, 0, null, 0);
        }
        return new CustomerInsights((int)row[0], (int)row[1], row[2] == 0 ? null : row[3] / (double)row[2],
            (int)row[4], (int)row[5], (int)row[6], row[7] / (double)row[0], (int)row[8]);
    }
}
