using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Availability;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>
/// Organizations per page (contract 4.6): the organization itself, its time slots (one by one, or in bulk with a
/// preview and a clash report), its members (by hand or by CSV import, all rows or none), personal links sent
/// through the outbox, and revocation. Everything about the organization and its time slots is written into the
/// configuration document through the same applier as PUT /config, so the API and this page never disagree.
/// </summary>
[Authorize(Policy = Policies.Manager)]
public sealed class AdminModel(ConfigApplier applier, OrganizationAccess access, SqliteWriteGate gate) : AdminPageModel
{
    public const int MaxBulk = 5_000;
    public const int MaxImportRows = 5_000;
    private static readonly string[] Days = ConfigValidator.DayNames;

    public CompiledPage? Site { get; private set; }
    public OrganizationModel? Org { get; private set; }
    public IReadOnlyList<OrganizationMember> Members { get; private set; } = [];
    public IReadOnlyList<string> Problems { get; private set; } = [];
    public BulkPreview? Bulk { get; private set; }
    public ImportPreview? Import { get; private set; }

    /// <summary>Set when "revoke every link" was asked without confirming: how many working links it would end.</summary>
    public int? RevokeAllAsk { get; private set; }

    public sealed record BulkPreview(int Create, int Existing, IReadOnlyList<string> Clashes, BulkInput Input);

    public sealed record ImportPreview(IReadOnlyList<ImportRow> Rows, IReadOnlyList<string> Errors, string Csv);

    public sealed record ImportRow(int Line, string Name, string Email, string? MemberId);

    public sealed class BulkInput
    {
        public string? From { get; set; }
        public string? To { get; set; }
        public List<string> Days { get; set; } = [];
        public string? Start { get; set; }
        public string? End { get; set; }
        public string? Service { get; set; }
        /// <summary>Optional: cut the hours into consecutive time slots of this many minutes (empty: one slot of the whole hours).</summary>
        public string? Length { get; set; }
        /// <summary>Seats of a class in each slot; empty keeps the service's capacity.</summary>
        public string? Capacity { get; set; }
        /// <summary>The staff member who serves the slots; empty: whoever is free.</summary>
        public string? Staff { get; set; }
    }

    /// <summary>An optional seat count from a form: (true, null) when empty, (false, _) when not a whole number.</summary>
    private static (bool Ok, int? Seats) Seats(string? value) =>
        string.IsNullOrWhiteSpace(value) ? (true, null)
        : int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? (true, n)
        : (false, null);

    private async Task LoadAsync(string? page, string? org, CancellationToken ct)
    {
        Site = page is not null && Catalog.Pages.TryGetValue(page, out var p) ? p : Catalog.Pages.Values.FirstOrDefault();
        Org = Site is not null && org is not null && Site.Organizations.TryGetValue(org, out var o) ? o : null;
        if (Site is not null && Org is not null)
        {
            Members = await Db.OrganizationMembers.AsNoTracking().Where(m => m.PageSlug == Site.Slug && m.OrganizationKey == Org.Key)
                .OrderBy(m => m.Name).Take(2_000).ToListAsync(ct);
        }
    }

    // "page" is also Razor Pages' own route value, which binds before the query string: read the query's by name.
    public async Task OnGetAsync([FromQuery(Name = "page")] string? page, string? org, CancellationToken ct) => await LoadAsync(page, org, ct);

    public string Self(string? org = null)
    {
        var key = org ?? Org?.Key;
        return $"/admin/organizations?page={Uri.EscapeDataString(Site?.Slug ?? "")}" + (key is null ? "" : $"&org={Uri.EscapeDataString(key)}");
    }

    /// <summary>Applies a change to a copy of the stored document; false (with the problems listed) when the result is not valid.</summary>
    private async Task<bool> ChangeAsync(Action<PageDoc> change, CancellationToken ct)
    {
        var copy = JsonSerializer.Deserialize<ConfigDocument>(JsonSerializer.Serialize(Catalog.Document, Json.Options), Json.Options)!;
        var pageDoc = copy.Pages!.First(p => p.Slug == Site!.Slug);
        pageDoc.Organizations ??= [];
        change(pageDoc);
        var result = await applier.ApplyAsync(copy, ct);
        if (result.Errors.Any)
        {
            Problems = [.. result.Errors.ToDictionary().SelectMany(kv => kv.Value.Select(v => $"{kv.Key}: {v}")).Take(20)];
            return false;
        }
        return true;
    }

    public async Task<IActionResult> OnPostSaveAsync(string? page, string? org, string? key, string? name, string? contactName, string? contactEmail,
        string? contactPhone, string? logoUrl, List<string>? services, string? from, string? to, bool exclusive, bool kinds, List<string>? appointments,
        List<string>? sessions, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null)
        {
            return NotFound();
        }
        static string? Blank(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
        var existing = Org?.Key;
        var ok = await ChangeAsync(p =>
        {
            var doc = existing is null ? new OrganizationDoc { TimeSlots = [] } : p.Organizations!.First(o => o.Key == existing);
            if (existing is null)
            {
                p.Organizations!.Add(doc);
            }
            doc.Key = existing ?? Blank(key);
            doc.Name = Blank(name);
            doc.ContactName = Blank(contactName);
            doc.ContactEmail = Blank(contactEmail);
            doc.ContactPhone = Blank(contactPhone);
            doc.LogoUrl = Blank(logoUrl);
            doc.Services = [.. (services ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct()];
            if (kinds)
            {
                // The form's two lists (seed 003's separate switches): what members book online as appointments, what as sessions;
                // the organization's services are the two together. A service ticked in both is refused by the validator.
                doc.AppointmentServices = [.. (appointments ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct()];
                doc.SessionServices = [.. (sessions ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct()];
                doc.Services = [.. doc.AppointmentServices.Concat(doc.SessionServices).Distinct()];
            }
            doc.From = Blank(from);
            doc.To = Blank(to);
            doc.Exclusive = exclusive;
        }, ct);
        if (!ok)
        {
            return Page();
        }
        TempData["Flash"] = OrganizationText.Words["saved"];
        return Redirect(Self(Org?.Key ?? key?.Trim()));
    }

    public async Task<IActionResult> OnPostAddSlotAsync(string? page, string? org, string? date, string? start, string? end, string? service, string? capacity,
        string? staff, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        var (seatsOk, seats) = Seats(capacity);
        if (SeatsProblem(seats, string.IsNullOrEmpty(service) ? null : service, "capacity") is { } tooMany)
        {
            return tooMany;
        }
        if (!TimeFormats.TryParseDate(date, out _) || !TimeRange.TryParseMinute(start, out var s) || !TimeRange.TryParseMinute(end, out var e) || s >= e ||
            !seatsOk)
        {
            TempData["FlashBad"] = OrganizationText.Words["bad-slot"];
            return Redirect(Self());
        }
        if (StafflessProblem(service, staff) is { } staffless)
        {
            TempData["FlashBad"] = staffless;
            return Redirect(Self());
        }
        var orgKey = Org.Key;
        if (!await ChangeAsync(p => p.Organizations!.First(o => o.Key == orgKey).TimeSlots!.Add(new TimeSlotDoc
        {
            Date = date,
            Hours = [[start!, end!]],
            Services = string.IsNullOrEmpty(service) ? null : [service],
            Capacity = seats,
            Staff = string.IsNullOrEmpty(staff) ? null : staff,
        }), ct))
        {
            return Page();
        }
        TempData["Flash"] = OrganizationText.Words["saved"];
        return Redirect(Self());
    }

    public async Task<IActionResult> OnPostDeleteSlotAsync(string? page, string? org, int index, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null || index < 0 || index >= Org.Doc.TimeSlots!.Count)
        {
            return NotFound();
        }
        var orgKey = Org.Key;
        if (!await ChangeAsync(p => p.Organizations!.First(o => o.Key == orgKey).TimeSlots!.RemoveAt(index), ct))
        {
            return Page();
        }
        return Redirect(Self());
    }

    /// <summary>Date range × weekdays × hours × service: a preview (with clashes) first, the same form with confirm creates them.</summary>
    public async Task<IActionResult> OnPostBulkAsync(string? page, string? org, BulkInput bulk, bool confirm, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bulk);
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        var planned = Plan(bulk);
        var (seatsOk, seats) = Seats(bulk.Capacity);
        if (SeatsProblem(seats, string.IsNullOrEmpty(bulk.Service) ? null : bulk.Service, "bulk.Capacity") is { } tooMany)
        {
            return tooMany;
        }
        if (planned is null || !seatsOk)
        {
            TempData["FlashBad"] = OrganizationText.Words["bad-bulk"];
            return Redirect(Self());
        }
        var pieces = Pieces(bulk);
        if (pieces is null || planned.Count * pieces.Count > MaxBulk)
        {
            TempData["FlashBad"] = OrganizationText.Words["bad-bulk"];
            return Redirect(Self());
        }
        var service = string.IsNullOrEmpty(bulk.Service) ? null : bulk.Service;
        var staff = string.IsNullOrEmpty(bulk.Staff) ? null : bulk.Staff;
        if (StafflessProblem(service, staff) is { } staffless)
        {
            TempData["FlashBad"] = staffless;
            return Redirect(Self());
        }
        var existing = Org.Doc.TimeSlots!.Select(SlotKey).ToHashSet(StringComparer.Ordinal);
        var all = planned.SelectMany(d => pieces.Select(h => (Date: d, h.Start, h.End))).ToList();
        var fresh = all.Where(x => !existing.Contains(SlotKey(x.Date, x.Start, x.End, service, staff))).ToList();
        if (!confirm)
        {
            Bulk = new BulkPreview(fresh.Count, all.Count - fresh.Count, await ClashesAsync([.. fresh.Select(x => x.Date).Distinct()], bulk, pieces, ct), bulk);
            return Page();
        }
        // One change of the configuration document: every new slot is written in one transaction, however many.
        var orgKey = Org.Key;
        if (!await ChangeAsync(p => p.Organizations!.First(o => o.Key == orgKey).TimeSlots!.AddRange(fresh.Select(x => new TimeSlotDoc
        {
            Date = TimeFormats.FormatDate(x.Date),
            Hours = [[x.Start, x.End]],
            Services = service is null ? null : [service],
            Capacity = seats,
            Staff = staff,
        })), ct))
        {
            return Page();
        }
        TempData["Flash"] = OrganizationText.Words.Format("created", fresh.Count);
        return Redirect(Self());
    }

    /// <summary>
    /// Seats outside 1 to the largest capacity of the slot's services (every one of the organization's with a null service): the form
    /// answers 400 naming its field, before a preview counts or the document is written; the document refuses them too.
    /// </summary>
    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult? SeatsProblem(int? seats, string? service, string field)
    {
        var most = (service is null ? Org!.Services.ToList() : [service]).Select(k => Site!.Services.GetValueOrDefault(k)?.Rules.Capacity ?? 1).DefaultIfEmpty(1).Max();
        if (seats is not { } n || (n >= 1 && n <= most))
        {
            return null;
        }
        Problems = [$"{field}: {OrganizationText.Words.Format("bad-capacity", most)}"];
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>
    /// Why slots for <paramref name="service"/> (every one of the organization's with null) cannot name <paramref name="staff"/>:
    /// some are booked without a staff member, and the document refuses that (once per slot; said here once, in the owner's words).
    /// </summary>
    private string? StafflessProblem(string? service, string? staff)
    {
        if (string.IsNullOrEmpty(staff))
        {
            return null;
        }
        var staffless = (service is null ? Org!.Services : [service])
            .Select(k => Site!.Services.GetValueOrDefault(k)).Where(s => s is not null && !s.Rules.RequiresStaff).Select(s => s!.Doc.Name).ToList();
        return staffless.Count == 0 ? null : OrganizationText.Words.Format("staffless-slot", string.Join(", ", staffless));
    }

    /// <summary>The hours of each day's slots: the whole range, or consecutive pieces of <see cref="BulkInput.Length"/> minutes (a shorter rest is left out).</summary>
    private static List<(string Start, string End)>? Pieces(BulkInput b)
    {
        if (!TimeRange.TryParseMinute(b.Start, out var s) || !TimeRange.TryParseMinute(b.End, out var e))
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(b.Length))
        {
            return [(b.Start!, b.End!)];
        }
        if (!int.TryParse(b.Length.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) ||
            length < 5 || length > e - s)
        {
            return null;
        }
        static string Hm(int minute) => $"{minute / 60:00}:{minute % 60:00}";
        var pieces = new List<(string, string)>();
        for (var m = s; m + length <= e; m += length)
        {
            pieces.Add((Hm(m), Hm(m + length)));
        }
        return pieces;
    }

    private static string SlotKey(TimeSlotDoc t) => string.Join('|', t.Date, string.Join(',', t.Hours!.Select(h => $"{h[0]}-{h[1]}")),
        t.Services is null ? "*" : string.Join(',', t.Services), t.Staff ?? "*");

    /// <summary>
    /// Hours of the organization's existing time slots on <paramref name="d"/> that overlap the planned <paramref name="s"/>–<paramref name="e"/>
    /// without being one of the planned pieces for the same service and staff (those are skipped as duplicates): members would
    /// see both, one inside the other or half over it, which is seldom what was meant.
    /// </summary>
    private IEnumerable<(string From, string To)> OverlappedSlots(LocalDate d, int s, int e, List<(string Start, string End)> pieces, BulkInput b)
    {
        var date = TimeFormats.FormatDate(d);
        var service = string.IsNullOrEmpty(b.Service) ? null : b.Service;
        var staff = string.IsNullOrEmpty(b.Staff) ? null : b.Staff;
        var planned = pieces.Select(p => SlotKey(d, p.Start, p.End, service, staff)).ToHashSet(StringComparer.Ordinal);
        foreach (var slot in Org!.Doc.TimeSlots!.Where(t => t.Date == date && t.Hours is not null))
        {
            foreach (var h in slot.Hours!)
            {
                if (h.Count == 2 && TimeRange.TryParseMinute(h[0], out var hs) && TimeRange.TryParseMinute(h[1], out var he) && hs < e && he > s &&
                    !planned.Contains(SlotKey(new TimeSlotDoc { Date = slot.Date, Hours = [h], Services = slot.Services, Staff = slot.Staff })))
                {
                    yield return (h[0], h[1]);
                }
            }
        }
    }

    private static string SlotKey(LocalDate d, string start, string end, string? service, string? staff) =>
        $"{TimeFormats.FormatDate(d)}|{start}-{end}|{service ?? "*"}|{staff ?? "*"}";

    private static List<LocalDate>? Plan(BulkInput b)
    {
        if (!TimeFormats.TryParseDate(b.From, out var from) || !TimeFormats.TryParseDate(b.To, out var to) || to < from ||
            Period.Between(from, to, PeriodUnits.Days).Days > 731 || b.Days.Count == 0 || b.Days.Any(d => !Days.Contains(d)) ||
            !TimeRange.TryParseMinute(b.Start, out var s) || !TimeRange.TryParseMinute(b.End, out var e) || s >= e)
        {
            return null;
        }
        var weekdays = b.Days.Select(CatalogCache.DayOf).ToHashSet();
        var dates = new List<LocalDate>();
        for (var d = from; d <= to && dates.Count <= MaxBulk; d = d.PlusDays(1))
        {
            if (weekdays.Contains(d.DayOfWeek))
            {
                dates.Add(d);
            }
        }
        return dates.Count > MaxBulk ? null : dates;
    }

    /// <summary>
    /// Live bookings already in the new slots' times, and slots outside the page's own hours. A slot naming a staff member is
    /// their time only: its clashes are that staff member's bookings (every part of a visit they serve, buffers included, as
    /// the database holds them) and their own working hours. Two more make a slot that members would find empty: a date outside
    /// the organization's window (never shown), and, for a slot naming nobody, a service that needs a staff member when none
    /// who offers it works long enough in those hours.
    /// </summary>
    private async Task<List<string>> ClashesAsync(List<LocalDate> dates, BulkInput b, List<(string Start, string End)> pieces, CancellationToken ct)
    {
        var clashes = new List<string>();
        if (dates.Count == 0)
        {
            return clashes;
        }
        _ = TimeRange.TryParseMinute(b.Start, out var s);
        _ = TimeRange.TryParseMinute(b.End, out var e);
        var zone = Site!.Zone;
        Instant At(LocalDate d, int minute) => zone.AtLeniently(d.AtMidnight().PlusMinutes(minute)).ToInstant();
        var first = At(dates[0], s);
        var last = At(dates[^1], e);
        var staff = string.IsNullOrEmpty(b.Staff) ? null : (Site.PublishedStaff ?? Site.Staff).FirstOrDefault(m => m.Key == b.Staff);
        List<(Guid Booking, Instant Start, Instant End)> busy;
        if (staff is null)
        {
            busy = [.. (await Db.Bookings.AsNoTracking()
                    .Where(x => x.PageSlug == Site.Slug && x.StartsAt < last && x.EndsAt > first && x.Status != BookingStatus.Cancelled)
                    .Select(x => new { x.Id, x.StartsAt, x.EndsAt }).ToListAsync(ct))
                .Select(x => (x.Id, x.StartsAt, x.EndsAt))];
        }
        else
        {
            // A staff member is one person across the business's pages: their live allocations, whatever page booked them.
            var unit = Units.Staff(staff.Key);
            var now = Clock.GetCurrentInstant();
            busy = [.. (await Db.Allocations.AsNoTracking()
                    .Where(x => x.UnitKey == unit && x.Live && (x.HoldExpiresAt == null || x.HoldExpiresAt > now) && x.StartsAt < last && x.EndsAt > first)
                    .Select(x => new { x.BookingId, x.StartsAt, x.EndsAt }).ToListAsync(ct))
                .Select(x => (x.BookingId, x.StartsAt, x.EndsAt))];
        }
        var roster = (Site.PublishedStaff ?? Site.Staff).Where(m => m.Doc.Active != false).ToList();
        var needStaff = staff is not null ? [] : (string.IsNullOrEmpty(b.Service) ? Org!.Services : [b.Service])
            .Select(k => Site.Services.GetValueOrDefault(k)).OfType<ServiceModel>()
            .Where(x => x.Rules.RequiresStaff && x.Rules.Duration.TotalMinutes <= e - s).ToList();
        foreach (var d in dates)
        {
            var (a, z) = (At(d, s), At(d, e));
            var count = busy.Where(x => x.Start < z && x.End > a).Select(x => x.Booking).Distinct().Count();
            var label = $"{TimeFormats.FormatDate(d)} {b.Start}–{b.End}";
            if (!Org!.Inside(d))
            {
                clashes.Add(OrganizationText.Words.Format("clash-window", label));
                continue;
            }
            foreach (var service in needStaff)
            {
                var minutes = (int)service.Rules.Duration.TotalMinutes;
                if (!roster.Any(m => m.Services.Contains(service.Key) &&
                                     (m.Hours is null || m.Hours.HoursOn(d).Any(r => Math.Min(r.EndMinute, e) - Math.Max(r.StartMinute, s) >= minutes))))
                {
                    clashes.Add(OrganizationText.Words.Format("clash-no-staff", label, service.Doc.Name));
                }
            }
            if (count > 0)
            {
                clashes.Add(OrganizationText.Words.Format("clash-booking", label, count));
            }
            foreach (var (from, to) in OverlappedSlots(d, s, e, pieces, b))
            {
                clashes.Add(OrganizationText.Words.Format("clash-slot", label, from, to));
            }
            if (!(Site.PublishedHours ?? Site.Hours).HoursOn(d).Any(r => r.StartMinute <= s && r.EndMinute >= e))
            {
                clashes.Add(OrganizationText.Words.Format("clash-hours", label));
            }
            else if (staff?.Hours is { } own && !own.HoursOn(d).Any(r => r.StartMinute <= s && r.EndMinute >= e))
            {
                clashes.Add(OrganizationText.Words.Format("clash-staff-hours", label, staff.Name));
            }
        }
        return clashes;
    }

    public async Task<IActionResult> OnPostAddMemberAsync(string? page, string? org, string? name, string? email, string? memberId, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        if (RowProblem(name, email, memberId) is { } problem)
        {
            TempData["FlashBad"] = problem;
            return Redirect(Self());
        }
        await access.UpsertMemberAsync(Site, Org, email!, name!, memberId, ct);
        TempData["Flash"] = OrganizationText.Words["member-added"];
        return Redirect(Self());
    }

    private static string? RowProblem(string? name, string? email, string? memberId) =>
        ContactRules.NameProblem(name) is not null ? OrganizationText.Words["row-name"]
        : string.IsNullOrWhiteSpace(email) || email.Trim().Length > 254 || !ContactRules.IsEmail(email.Trim()) ? OrganizationText.Words["row-email"]
        : !OrganizationAccess.IsMemberId(memberId) ? OrganizationText.Words["row-id"]
        : null;

    /// <summary>CSV import: every row is checked first; with any error nothing is imported, otherwise all rows in one transaction.</summary>
    public async Task<IActionResult> OnPostImportAsync(string? page, string? org, string? csv, bool confirm, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        var (rows, errors) = ParseCsv(csv ?? "");
        if (!confirm || errors.Count > 0 || rows.Count == 0)
        {
            Import = new ImportPreview(rows, errors, csv ?? "");
            return Page();
        }
        var now = Clock.GetCurrentInstant();
        using (await gate.EnterAsync(Db, ct))
        {
            await using var tx = await Db.Database.BeginTransactionAsync(ct);
            foreach (var r in rows)
            {
                await access.UpsertTrackedAsync(Site.Slug, Org.Key, r.Email, r.Name, r.MemberId, now, ct);
            }
            await Db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            Db.ChangeTracker.Clear();
        }
        TempData["Flash"] = OrganizationText.Words.Format("imported", rows.Count);
        return Redirect(Self());
    }

    /// <summary>
    /// The rows of a members' CSV (<see cref="MemberCsv"/>: quoted commas, quotes and line breaks, CRLF or LF, a byte order
    /// mark), the first skipped only when it is a header; each error names the line its record starts on.
    /// </summary>
    public static (List<ImportRow> Rows, List<string> Errors) ParseCsv(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var rows = new List<ImportRow>();
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var records = MemberCsv.Read(csv);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (i == 0 && MemberCsv.IsHeader(record))
            {
                continue;
            }
            if (rows.Count + errors.Count >= MaxImportRows)
            {
                errors.Add(OrganizationText.Words.Format("row", record.Line, $"> {MaxImportRows}"));
                break;
            }
            if (record.Unclosed)
            {
                errors.Add(OrganizationText.Words.Format("row", record.Line, OrganizationText.Words["row-quote"]));
                continue;
            }
            // A spreadsheet cell may hold a line break; in a name or a member id it stands for a space.
            var name = Collapse(record.Fields.ElementAtOrDefault(0));
            var email = record.Fields.ElementAtOrDefault(1)?.Trim();
            var id = Collapse(record.Fields.ElementAtOrDefault(2));
            if (RowProblem(name, email, id) is { } problem)
            {
                errors.Add(OrganizationText.Words.Format("row", record.Line, problem));
                continue;
            }
            if (!seen.Add(OrganizationAccess.Normalize(email!)))
            {
                errors.Add(OrganizationText.Words.Format("row", record.Line, OrganizationText.Words["row-duplicate"]));
                continue;
            }
            rows.Add(new ImportRow(record.Line, name!, email!, string.IsNullOrEmpty(id) ? null : id));
        }
        return (rows, errors);
    }

    private static string? Collapse(string? cell) =>
        cell is null ? null : string.Join(' ', cell.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    public async Task<IActionResult> OnPostSendAsync(string? page, string? org, string? kind, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        var linkKind = Wire<LinkKind>.TryParse(kind, out var chosen) ? chosen : LinkKind.Organization;
        var count = await OrganizationMail.QueueAsync(Db, gate, Site, Org, linkKind, TextSet.CurrentLanguage, Clock.GetCurrentInstant(), ct);
        HttpContext.RequestServices.GetRequiredService<Notifications.OutboxSignal>().Notify();
        TempData["Flash"] = OrganizationText.Words.Format("queued", count);
        return Redirect(Self());
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? page, string? org, Guid? member, bool confirm, CancellationToken ct)
    {
        await LoadAsync(page, org, ct);
        if (Site is null || Org is null)
        {
            return NotFound();
        }
        if (member is null && !confirm)
        {
            // Ending every member's link cannot be undone (members need a new e-mail), so it is asked twice.
            var now = Clock.GetCurrentInstant();
            RevokeAllAsk = await Db.OrganizationLinks.CountAsync(
                l => l.PageSlug == Site.Slug && l.OrganizationKey == Org.Key && l.RevokedAt == null && l.ExpiresAt > now, ct);
            return Page();
        }
        var count = await access.RevokeAsync(Site.Slug, Org.Key, member, ct);
        TempData["Flash"] = OrganizationText.Words.Format("revoked", count);
        return Redirect(Self());
    }
}
