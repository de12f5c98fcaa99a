using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Slots;
using Bookwell.Scheduling.Travel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;

namespace Bookwell.Features.Availability;

/// <summary>What the database says is taken around a window: busy time per unit and open group classes.</summary>
public sealed record Occupancy(IReadOnlyDictionary<string, List<Span>> Busy, IReadOnlyDictionary<Instant, GroupInstance> Groups)
{
    /// <summary>Mobile bookings per unit ("staff:x" or the page calendar), read only for a question with a trip.</summary>
    public IReadOnlyDictionary<string, List<Stop>>? Stops { get; init; }

    /// <summary>Nothing taken: what the rules alone allow.</summary>
    public static Occupancy None { get; } = new(new Dictionary<string, List<Span>>(), new Dictionary<Instant, GroupInstance>());
}

/// <summary>
/// Slots for one question. The same question at the same busy and configuration versions, within the same ten
/// seconds, gets the same answer object; the API keeps its serialised form and that form's ETag with it.
/// </summary>
public sealed class SlotAnswer
{
    private IReadOnlyList<Slot>? _slots;

    public SlotAnswer(IReadOnlyList<Slot> slots) => _slots = slots;

    /// <summary>A mobile answer for one address, written by the API from the prepared question; its slots are worked out when first asked for.</summary>
    public SlotAnswer(TripAnswer trip) => Trip = trip;

    public IReadOnlyList<Slot> Slots => _slots ??= Trip!.Slots();

    /// <summary>For a mobile answer from a question prepared for every address (one branch, no organization's seats): how to write it.</summary>
    public TripAnswer? Trip { get; }

    /// <summary>For a visit of several services: each slot's parts (same order as <see cref="Slots"/>); null otherwise.</summary>
    public IReadOnlyList<VisitSlot>? Visits { get; init; }

    /// <summary>The service keys of a visit's parts, in order.</summary>
    public IReadOnlyList<string>? VisitServices { get; init; }

    /// <summary>The API's UTF-8 JSON of this answer, written once.</summary>
    public byte[]? Json { get; set; }

    /// <summary>
    /// The ETag of <see cref="Json"/>: a hash of the bytes themselves, so a poll is answered 304 exactly when it would get
    /// the same bytes again, however long ago it asked (a tag made of versions and a clock bucket expired every ten seconds).
    /// </summary>
    public string? Tag { get; set; }

    /// <summary>
    /// The booking page's view of this answer: its slots by local date in the zone the question was asked in (part of the
    /// cache key), grouped once per answer instead of once per page view. Written by the first page that needs it.
    /// </summary>
    public SlotDays? ByDate { get; set; }
}

/// <summary>An answer's slots by local date in <paramref name="Zone"/>.</summary>
public sealed record SlotDays(DateTimeZone Zone, IReadOnlyDictionary<LocalDate, Slot[]> Days);

/// <summary>Loads occupancy and turns a page, service and choices into engine requests, one per branch.</summary>
public static class AvailabilityLoader
{
    /// <summary>Longest possible allocation: a 24-hour service with 24-hour buffers either side (the validator's caps).</summary>
    public static readonly Duration MaxAllocation = Duration.FromHours(72);

    /// <summary>
    /// Reads the live allocations that can touch a slot starting inside <paramref name="window"/>: those
    /// overlapping the window widened by the service's buffers and duration (allocations carry their own
    /// buffers already). One indexed range query; with one staff member chosen, only the units that could
    /// serve (that person and the service's resources).
    /// </summary>
    public static async Task<Occupancy> LoadAsync(BookwellDb db, CompiledPage page, ServiceModel service, Span window, Instant now, CancellationToken ct,
        string? staff = null, Trip? trip = null) => await LoadAsync(db, page, service, window, now, staff, null, ct, trip);

    private static async Task<Occupancy> LoadAsync(BookwellDb db, CompiledPage page, ServiceModel service, Span window, Instant now, string? staff,
        BusyIndex.Snapshot? snapshot, CancellationToken ct, Trip? trip = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var from = window.StartInstant - service.Rules.BufferBefore;
        var to = window.EndInstant + service.Rules.Duration + service.Rules.BufferAfter;
        if (trip is not null)
        {
            // Travel legs reach beyond the service: the busy time they must stay clear of is read that far too.
            from -= Mobile.MobileStops.Reach;
            to += Mobile.MobileStops.Reach;
        }
        // No allocation is longer than the page's lookback, so a lower bound on the start keeps the index
        // scan to the window instead of everything before it.
        var earliestStart = from - page.Lookback;
        var units = staff is null ? null : UnitsFor(page, service, staff);
        // Only an availability answer hands in its snapshot; a booking's own check (Allocator) reads its stops afresh.
        var stopsFromSnapshot = snapshot;
        if (snapshot is null && db.BusyIndex is { } index)
        {
            snapshot = await index.GetAsync(db, from, now, ct);
        }
        var busy = snapshot is not null
            ? snapshot.Busy(units, earliestStart, to, from, now)
            : await ReadBusyAsync(db, units, earliestStart, to, from, now, ct);
        Calendars.ExternalBusy.MergeInto(busy, await Calendars.ExternalBusy.ReadAsync(db, page, staff, from, to, now, ct));

        var groups = new Dictionary<Instant, GroupInstance>();
        if (service.Rules.Capacity > 1)
        {
            var members = await db.Bookings.AsNoTracking()
                .Where(b => b.PageSlug == page.Slug && b.ServiceKey == service.Key && b.GroupKey != null &&
                            b.StartsAt >= from && b.StartsAt < to && b.Status != BookingStatus.Cancelled &&
                            (b.HoldExpiresAt == null || b.HoldExpiresAt > now))
                .Select(b => new { b.StartsAt, b.StaffKey, b.ResourceKeys })
                .ToListAsync(ct);
            foreach (var g in members.GroupBy(m => m.StartsAt))
            {
                var first = g.First();
                groups[g.Key] = new GroupInstance(g.Key, g.Count(), first.StaffKey, Units.ParseSeats(first.ResourceKeys));
            }
        }
        return new Occupancy(busy, groups)
        {
            Stops = trip is null ? null : await StopsAsync(db, page, staff, from, to, now, stopsFromSnapshot, ct),
        };
    }

    /// <summary>
    /// The mobile bookings around a window (<see cref="Mobile.MobileStops.ReadAsync"/>), kept with the busy snapshot they
    /// were read at for the same ten seconds as its answers: a mobile answer depends on the client's address and is
    /// computed for each, but the stops around a window are the same for every client asking about it, and reading them
    /// was most of such an answer's cost (issue 15's bench). A write that changes allocations makes a new snapshot.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, List<Stop>>> StopsAsync(BookwellDb db, CompiledPage page, string? staff, Instant from,
        Instant to, Instant now, BusyIndex.Snapshot? snapshot, CancellationToken ct)
    {
        if (snapshot is null)
        {
            return await Mobile.MobileStops.ReadAsync(db, page, staff, from, to, now, ct);
        }
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{page.ConfigVersion}|{page.Slug}|{page.Variant}|{staff}|{from.ToUnixTimeTicks()}|{to.ToUnixTimeTicks()}|{now.ToUnixTimeTicks() / AnswerBucket.BclCompatibleTicks}");
        var mine = new TaskCompletionSource<IReadOnlyDictionary<string, List<Stop>>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = snapshot.ShareStops(key, mine.Task);
        if (shared != mine.Task)
        {
            try
            {
                return await shared.WaitAsync(ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The request that read them failed or gave up: this one reads for itself.
                return await Mobile.MobileStops.ReadAsync(db, page, staff, from, to, now, ct);
            }
        }
        try
        {
            var stops = await Mobile.MobileStops.ReadAsync(db, page, staff, from, to, now, ct);
            mine.SetResult(stops);
            return stops;
        }
        catch (Exception e)
        {
            snapshot.ForgetStops(key, mine.Task);
            mine.SetException(e);
            // Observed here, so a read nobody else waited for is no unobserved task exception.
            _ = mine.Task.Exception;
            throw;
        }
    }

    /// <summary>
    /// Live allocations overlapping [from, to) that started no earlier than earliestStart, as busy spans per
    /// unit ("key" or "key#seat"), each list in start order; with units, only theirs. Written for each
    /// provider, without EF: this is the read behind every /slots request and every booking, and EF's
    /// per-row machinery cost more than the rows. On SQLite the database joins each unit's spans into one
    /// string, so a busy day comes back as one row per staff member and seat instead of hundreds (every
    /// column read is a call into the native library; measured: /slots went from about 3,300 to 4,800
    /// requests/s). On PostgreSQL rows cost the driver little and the grouping (sort, aggregate) cost
    /// the server more than it saved, so it reads one row per allocation.
    /// </summary>
    internal static async Task<Dictionary<string, List<Span>>> ReadBusyAsync(BookwellDb db, string[]? units, Instant earliestStart, Instant to,
        Instant from, Instant now, CancellationToken ct)
    {
        var pg = db.IsPostgres;
        // The model's own type mappings turn the id and the instants into what each provider stores.
        var allocation = db.Model.FindEntityType(typeof(Allocation))!;
        var instant = (RelationalTypeMapping)allocation.FindProperty(nameof(Allocation.StartsAt))!.GetRelationalTypeMapping();
        var tenant = (RelationalTypeMapping)allocation.FindProperty(nameof(Allocation.TenantId))!.GetRelationalTypeMapping();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // Raw SQL gets no query filter: the tenant condition is written out.
            command.Parameters.Add(tenant.CreateParameter(command, "@tenant", db.TenantId));
            command.Parameters.Add(instant.CreateParameter(command, "@earliest", earliestStart));
            command.Parameters.Add(instant.CreateParameter(command, "@to", to));
            command.Parameters.Add(instant.CreateParameter(command, "@from", from));
            command.Parameters.Add(instant.CreateParameter(command, "@now", now));
            var unitFilter = "";
            if (units is not null)
            {
                var names = new List<string>(units.Length);
                for (var i = 0; i < units.Length; i++)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = string.Create(CultureInfo.InvariantCulture, $"@u{i}");
                    parameter.Value = units[i];
                    command.Parameters.Add(parameter);
                    names.Add(parameter.ParameterName);
                }
                unitFilter = $""" AND "UnitKey" IN ({string.Join(", ", names)})""";
            }
            var select = pg ? """ "StartsAt", "EndsAt" """ : """group_concat("StartsAt" || ':' || "EndsAt", ',' ORDER BY "StartsAt")""";
            var tail = pg ? """ORDER BY "StartsAt" """ : """GROUP BY "UnitKey", "Seat" """;
            command.CommandText = $"""
                SELECT "UnitKey", "Seat", {select}
                FROM "Allocations"
                WHERE "TenantId" = @tenant AND "StartsAt" >= @earliest AND "StartsAt" < @to AND "EndsAt" > @from
                  AND "Live" AND ("HoldExpiresAt" IS NULL OR "HoldExpiresAt" > @now){unitFilter}
                {tail}
                """;
            var busy = new Dictionary<string, List<Span>>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var unit = reader.GetString(0);
                var seat = reader.GetInt32(1);
                var key = seat == 0 ? unit : $"{unit}#{seat}";
                if (!pg)
                {
                    busy[key] = ParseSpans(reader.GetString(2));
                    continue;
                }
                if (!busy.TryGetValue(key, out var list))
                {
                    busy[key] = list = [];
                }
                list.Add(Span.Of(reader.GetFieldValue<Instant>(2), reader.GetFieldValue<Instant>(3)));
            }
            return busy;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>"start:end,start:end,..." in ticks since the epoch (SQLite's stored form of an instant).</summary>
    internal static List<Span> ParseSpans(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spans = new List<Span>((text.Length / 36) + 1);
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var item = comma < 0 ? rest : rest[..comma];
            var colon = item.IndexOf(':');
            spans.Add(new Span(
                long.Parse(item[..colon], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                long.Parse(item[(colon + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)));
            rest = comma < 0 ? [] : rest[(comma + 1)..];
        }
        return spans;
    }

    private static string[] UnitsFor(CompiledPage page, ServiceModel service, string staff) =>
        [Units.Staff(staff), .. page.Resources.Where(r => service.Rules.ResourceTypes.Contains(r.Type)).Select(r => Units.Resource(r.Key)),
            .. Units.UsesCalendar(service) ? Units.Calendars(page) : []];

    /// <summary>One engine request per branch that could serve the booking (a page without branches has one).</summary>
    public static List<(string? Branch, SlotRequest Request)> Requests(CompiledPage page, ServiceModel service, string? branch, string? staff,
        Occupancy occupancy, Instant now, Span window, bool walkIn, Trip? trip = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(occupancy);
        List<BranchModel?> branches = branch is not null
            ? [.. page.Branches.Where(b => b.Key == branch)]
            : page.Branches.Count > 0 ? [.. page.Branches] : [null];
        var result = new List<(string?, SlotRequest)>(branches.Count);
        foreach (var b in branches)
        {
            var hours = b?.Hours ?? page.Hours;
            var staffUnits = service.Rules.RequiresStaff
                ? page.StaffFor(service.Key)
                    .Where(s => (b is null || s.Branch is null || s.Branch == b.Key) && (staff is null || s.Key == staff))
                    .Select(s => new BookableUnit(s.Key, 0, null, s.Hours is null ? [] : [s.Hours], Busy(occupancy, Units.Staff(s.Key), 0),
                        Stops(occupancy, Units.Staff(s.Key))))
                    .ToList()
                : [];
            var resourceUnits = new List<BookableUnit>();
            foreach (var r in page.Resources)
            {
                if (!service.Rules.ResourceTypes.Contains(r.Type) || (b is not null && r.Branch is not null && r.Branch != b.Key))
                {
                    continue;
                }
                for (var seat = 0; seat < r.Capacity; seat++)
                {
                    var vehicle = Mobile.MobileServices.IsVehicle(page, r.Type);
                    resourceUnits.Add(new BookableUnit(r.Key, seat, r.Type, r.Hours is null ? [] : [r.Hours], Busy(occupancy, Units.Resource(r.Key), seat),
                        vehicle ? Stops(occupancy, Mobile.MobileStops.VehicleUnit(r.Key, seat)) : null, vehicle));
                }
            }
            var calendar = Units.UsesCalendar(service)
                ? new BookableUnit(Units.Calendar(page.Slug, b?.Key), 0, null, [], Busy(occupancy, Units.Calendar(page.Slug, b?.Key), 0),
                    Stops(occupancy, Units.Calendar(page.Slug, b?.Key)))
                : null;
            result.Add((b?.Key, new SlotRequest(page.Zone, [hours], page.AllowedDays, service.Rules, staffUnits, resourceUnits,
                occupancy.Groups, now, window, walkIn, calendar, trip)));
        }
        return result;
    }

    private static List<Stop>? Stops(Occupancy occupancy, string unit) =>
        occupancy.Stops is { } stops && stops.TryGetValue(unit, out var list) ? list : null;

    private static List<Span> Busy(Occupancy occupancy, string unit, int seat) =>
        occupancy.Busy.TryGetValue(seat == 0 ? unit : $"{unit}#{seat}", out var list) ? list : [];

    /// <summary>Bookable slots for local dates <paramref name="from"/>..<paramref name="to"/> (inclusive) in <paramref name="zone"/>.</summary>
    public static async Task<List<Slot>> FindSlotsAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct, Trip? trip = null) =>
        [.. (await AnswerAsync(db, page, service, branch, staff, zone, from, to, now, ct, trip)).Slots];

    /// <summary>How long a cached answer may be served as it is: the clock moves slots past their notice.</summary>
    public static readonly Duration AnswerBucket = Duration.FromSeconds(10);

    /// <summary>
    /// <see cref="FindSlotsAsync"/> through the busy index's answer cache: the same question asked again at the
    /// same busy and configuration versions within the same ten seconds costs a version read.
    /// </summary>
    public static async Task<SlotAnswer> AnswerAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct, Trip? trip = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(zone);
        var window = Span.Of(zone.AtStartOfDay(from).ToInstant(), zone.AtStartOfDay(to.PlusDays(1)).ToInstant());
        if (trip is not null)
        {
            return await MobileAnswerAsync(db, page, service, branch, staff, zone, from, to, window, now, trip, ct);
        }
        var snapshot = db.BusyIndex is { } index ? await index.GetAsync(db, window.StartInstant - service.Rules.BufferBefore, now, ct) : null;
        if (snapshot is null)
        {
            var occupancy = await LoadAsync(db, page, service, window, now, staff, null, ct);
            return new SlotAnswer(Seats(page, service, FindSlots(Requests(page, service, branch, staff, occupancy, now, window, walkIn: false))));
        }
        var bucket = now.ToUnixTimeTicks() / AnswerBucket.BclCompatibleTicks;
        // Stale calendars hidden (issue 16) change the answer with time alone: part of the key and of the tag.
        var hidden = await Calendars.StaleCalendars.HiddenKeyAsync(db, page, now, ct);
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{page.ConfigVersion}|{page.Slug}|{page.Variant}|{service.Key}|{branch}|{staff}|{zone.Id}|{from.ToString("R", CultureInfo.InvariantCulture)}|{to.ToString("R", CultureInfo.InvariantCulture)}|{hidden}|{bucket}");
        if (snapshot.TryAnswer(key, out var cached))
        {
            return cached;
        }
        var loaded = await LoadAsync(db, page, service, window, now, staff, snapshot, ct);
        var answer = new SlotAnswer(Seats(page, service, FindSlots(Requests(page, service, branch, staff, loaded, now, window, walkIn: false))));
        snapshot.Remember(key, answer);
        return answer;
    }

    /// <summary>
    /// A mobile question depends on the client's address, so its answer is not cached; but everything else in it is the same
    /// for every address (busy time, stops, hours, which stops are each start's neighbours and how much travel fits around
    /// it): that is prepared once per busy version, question and ten seconds, like a cached answer
    /// (<see cref="SlotEngine.ForTrips"/>), and each request only works out the legs for its own address.
    /// </summary>
    private static async Task<SlotAnswer> MobileAnswerAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch, string? staff,
        DateTimeZone zone, LocalDate from, LocalDate to, Span window, Instant now, Trip trip, CancellationToken ct)
    {
        var snapshot = db.BusyIndex is { } index ? await index.GetAsync(db, window.StartInstant - service.Rules.BufferBefore, now, ct) : null;
        if (snapshot is null)
        {
            var mobile = await LoadAsync(db, page, service, window, now, staff, null, ct, trip);
            return new SlotAnswer(Seats(page, service, FindSlots(Requests(page, service, branch, staff, mobile, now, window, walkIn: false, trip))));
        }
        var bucket = now.ToUnixTimeTicks() / AnswerBucket.BclCompatibleTicks;
        var hidden = await Calendars.StaleCalendars.HiddenKeyAsync(db, page, now, ct);
        var rule = trip.Rule;
        var key = string.Create(CultureInfo.InvariantCulture,
            $"trips|{page.ConfigVersion}|{page.Slug}|{page.Variant}|{service.Key}|{branch}|{staff}|{zone.Id}|{from.ToString("R", CultureInfo.InvariantCulture)}|{to.ToString("R", CultureInfo.InvariantCulture)}|{hidden}|{bucket}|{rule.SpeedKmh:R}|{rule.Margin.BclCompatibleTicks}|{rule.MaxLeg?.BclCompatibleTicks}|{trip.Base?.Latitude:R}|{trip.Base?.Longitude:R}|{trip.Zone?.Id}");
        var mine = new TaskCompletionSource<PreparedTrips>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = snapshot.Share(key, mine.Task);
        PreparedTrips prepared;
        if (shared != mine.Task)
        {
            try
            {
                prepared = await shared.WaitAsync(ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // The request that prepared it failed or gave up: this one works it out for itself.
                prepared = await PrepareTripsAsync(db, page, service, branch, staff, zone, window, now, trip, snapshot, ct);
            }
        }
        else
        {
            try
            {
                prepared = await PrepareTripsAsync(db, page, service, branch, staff, zone, window, now, trip, snapshot, ct);
                mine.SetResult(prepared);
            }
            catch (Exception e)
            {
                snapshot.Forget(key, mine.Task);
                mine.SetException(e);
                // Observed here, so work nobody else waited for is no unobserved task exception.
                _ = mine.Task.Exception;
                throw;
            }
        }
        var parts = prepared.Parts;
        if (prepared.Single is { } texts && page.Organization is null)
        {
            return new SlotAnswer(new TripAnswer(parts[0], trip.Destination, texts));
        }
        var slots = parts.Count == 1 ? parts[0].FindSlots(trip.Destination) : Merge(parts.Select(p => p.FindSlots(trip.Destination)));
        return new SlotAnswer(Seats(page, service, slots));
    }

    /// <summary>
    /// A mobile question prepared (one per branch); with one branch prepared by index, the JSON pieces of its answers in the
    /// zone it was asked in.
    /// </summary>
    private sealed record PreparedTrips(List<SlotEngine.TripSlots> Parts, TripTexts? Single);

    private static async Task<PreparedTrips> PrepareTripsAsync(BookwellDb db, CompiledPage page, ServiceModel service, string? branch,
        string? staff, DateTimeZone zone, Span window, Instant now, Trip trip, BusyIndex.Snapshot snapshot, CancellationToken ct)
    {
        var occupancy = await LoadAsync(db, page, service, window, now, staff, snapshot, ct, trip);
        List<SlotEngine.TripSlots> parts = [.. Requests(page, service, branch, staff, occupancy, now, window, walkIn: false, trip).Select(r => SlotEngine.ForTrips(r.Request))];
        return new PreparedTrips(parts, parts is [{ Indexed: true } single] ? new TripTexts(single, zone) : null);
    }

    /// <summary>An organization's view: a class's remaining seats counted against its time slot's capacity (contract 4.6, additive).</summary>
    private static IReadOnlyList<Slot> Seats(CompiledPage page, ServiceModel service, IReadOnlyList<Slot> slots) =>
        page.Organization is { } organization ? organization.Cap(page, service, slots) : slots;

    /// <summary>
    /// Engine requests for a visit of several services, per branch that could serve it: one request per part, each
    /// with the busy time around where that part falls (with <paramref name="wholeDay"/>, over that part's whole local
    /// day). A chosen staff member is asked of every part they offer.
    /// </summary>
    public static async Task<List<(string? Branch, List<SlotRequest> Parts)>> VisitRequestsAsync(BookwellDb db, CompiledPage page,
        IReadOnlyList<ServiceModel> services, string? branch, string? staff, Span window, Instant now, bool walkIn, BusyIndex.Snapshot? snapshot,
        CancellationToken ct, bool wholeDay = false)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(services);
        var offsets = VisitEngine.Offsets(services.Select(s => s.Rules).ToList());
        List<(string? Branch, List<SlotRequest> Parts)>? result = null;
        for (var i = 0; i < services.Count; i++)
        {
            var service = services[i];
            var partStaff = staff is not null && service.Rules.RequiresStaff && page.StaffFor(service.Key).Any(m => m.Key == staff) ? staff : null;
            var shift = offsets[i].BclCompatibleTicks;
            var partWindow = new Span(window.Start + shift, window.End + shift);
            // Least busy (issue 15) reads each part's busy time over its whole local day.
            var load = wholeDay ? AssignmentRules.DayAround(page, partWindow) : partWindow;
            var occupancy = await LoadAsync(db, page, service, load, now, partStaff, snapshot, ct);
            var requests = Requests(page, service, branch, partStaff, occupancy, now, i == 0 ? window : partWindow, walkIn);
            result ??= [.. requests.Select(r => (r.Branch, new List<SlotRequest>(services.Count)))];
            for (var b = 0; b < requests.Count; b++)
            {
                result[b].Parts.Add(requests[b].Request);
            }
        }
        return result ?? [];
    }

    /// <summary>
    /// Visit starts for several services (issue 15) over local dates <paramref name="from"/>..<paramref name="to"/>, through
    /// the same answer cache as single services. Each slot's <c>staff</c> are those able to take its first part.
    /// </summary>
    public static async Task<SlotAnswer> VisitAnswerAsync(BookwellDb db, CompiledPage page, IReadOnlyList<ServiceModel> services, string? branch,
        string? staff, DateTimeZone zone, LocalDate from, LocalDate to, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(zone);
        var window = Span.Of(zone.AtStartOfDay(from).ToInstant(), zone.AtStartOfDay(to.PlusDays(1)).ToInstant());
        var snapshot = db.BusyIndex is { } index ? await index.GetAsync(db, window.StartInstant - services[0].Rules.BufferBefore, now, ct) : null;
        var bucket = now.ToUnixTimeTicks() / AnswerBucket.BclCompatibleTicks;
        var hidden = await Calendars.StaleCalendars.HiddenKeyAsync(db, page, now, ct);
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{page.ConfigVersion}|{page.Slug}|{page.Variant}|{string.Join('+', services.Select(s => s.Key))}|{branch}|{staff}|{zone.Id}|{from.ToString("R", CultureInfo.InvariantCulture)}|{to.ToString("R", CultureInfo.InvariantCulture)}|{hidden}|{bucket}");
        if (snapshot is not null && snapshot.TryAnswer(key, out var cached))
        {
            return cached;
        }
        var merged = new SortedDictionary<Instant, VisitSlot>();
        foreach (var (_, parts) in await VisitRequestsAsync(db, page, services, branch, staff, window, now, walkIn: false, snapshot, ct))
        {
            foreach (var slot in VisitEngine.FindSlots(parts))
            {
                merged.TryAdd(slot.Start, slot);
            }
        }
        var visits = merged.Values.ToList();
        var slots = visits.Select(v => new Slot(v.Start, v.End, v.Parts[0].Staff, 1)).ToList();
        if (snapshot is null)
        {
            return new SlotAnswer(slots) { Visits = visits, VisitServices = [.. services.Select(s => s.Key)] };
        }
        var answer = new SlotAnswer(slots)
        {
            Visits = visits,
            VisitServices = [.. services.Select(s => s.Key)],
        };
        snapshot.Remember(key, answer);
        return answer;
    }

    /// <summary>Slots over every branch, merged by start: staff lists are joined and the best remaining kept.</summary>
    public static List<Slot> FindSlots(IReadOnlyList<(string? Branch, SlotRequest Request)> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 1)
        {
            return [.. SlotEngine.FindSlots(requests[0].Request)];
        }
        return Merge(requests.Select(r => SlotEngine.FindSlots(r.Request)));
    }

    /// <summary>Several branches' slots merged by start: staff lists are joined and the best remaining kept.</summary>
    private static List<Slot> Merge(IEnumerable<IReadOnlyList<Slot>> answers)
    {
        var merged = new SortedDictionary<Instant, Slot>();
        foreach (var answer in answers)
        {
            foreach (var slot in answer)
            {
                merged[slot.Start] = merged.TryGetValue(slot.Start, out var existing)
                    ? existing with { Staff = existing.Staff.Union(slot.Staff).ToArray(), Remaining = Math.Max(existing.Remaining, slot.Remaining) }
                    : slot;
            }
        }
        return [.. merged.Values];
    }
}
