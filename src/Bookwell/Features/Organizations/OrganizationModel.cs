using System.Collections.Concurrent;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Availability;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Organizations;

/// <summary>
/// What a personal link opens (seed 003's four kinds, plus the contract's default): the organization's own
/// services in its time slots, or the regular page limited to appointments or to sessions.
/// </summary>
public enum LinkKind
{
    /// <summary>The contract's link: every service of the organization, in its time slots.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("organization")] Organization,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("organization-appointment")] OrganizationAppointment,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("organization-session")] OrganizationSession,
    /// <summary>The regular page, signed in, appointments only.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("appointment")] Appointment,
    /// <summary>The regular page, signed in, sessions (classes) only.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("session")] Session,
}

/// <summary>What each <see cref="LinkKind"/> opens.</summary>
public static class LinkKinds
{
    /// <summary>Every kind's word, as clients send it and the admin's picker lists it.</summary>
    public static IReadOnlyList<string> All => Wire<LinkKind>.Names;

    public static bool IsOrganization(LinkKind kind) => kind is LinkKind.Organization or LinkKind.OrganizationAppointment or LinkKind.OrganizationSession;
}

/// <summary>An organization compiled from its document, with the views of its page that its links open.</summary>
public sealed class OrganizationModel
{
    private readonly ConcurrentDictionary<string, CompiledPage> _views = new(StringComparer.Ordinal);
    private readonly List<(LocalDate Date, IReadOnlyList<TimeRange> Hours, IReadOnlySet<string>? Services, int? Capacity, string? Staff)> _slots;
    private readonly HashSet<string> _own;
    private readonly IReadOnlySet<string>? _appointments;
    private readonly IReadOnlySet<string>? _sessions;

    public OrganizationModel(OrganizationDoc doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        Doc = doc;
        Key = doc.Key!;
        Name = doc.Name!;
        Services = doc.Services ?? [];
        From = doc.From is null ? null : LocalDatePattern.Iso.Parse(doc.From).Value;
        To = doc.To is null ? null : LocalDatePattern.Iso.Parse(doc.To).Value;
        Exclusive = doc.Exclusive == true;
        _slots = [.. (doc.TimeSlots ?? [])
            .Select(t => (LocalDatePattern.Iso.Parse(t.Date!).Value,
                (IReadOnlyList<TimeRange>)[.. t.Hours!.Select(h => TimeRange.Parse(h[0], h[1]))],
                t.Services is null ? null : (IReadOnlySet<string>)t.Services.ToHashSet(StringComparer.Ordinal), t.Capacity, t.Staff))
            .Where(t => Inside(t.Item1))];
        HasCapacities = _slots.Any(s => s.Capacity is not null);
        _own = Services.ToHashSet(StringComparer.Ordinal);
        _appointments = doc.AppointmentServices?.ToHashSet(StringComparer.Ordinal);
        _sessions = doc.SessionServices?.ToHashSet(StringComparer.Ordinal);
    }

    public OrganizationDoc Doc { get; }
    public string Key { get; }
    public string Name { get; }
    public IReadOnlyList<string> Services { get; }
    public LocalDate? From { get; }
    public LocalDate? To { get; }
    public bool Exclusive { get; }

    /// <summary>Whether any time slot seats fewer than its services' capacity.</summary>
    public bool HasCapacities { get; }

    /// <summary>
    /// Seats of a class starting at <paramref name="start"/> in this organization's time slots: the capacity of the time
    /// slot whose hours hold the whole session (the most generous when several do), never more than the service's own.
    /// </summary>
    public int SeatsAt(CompiledPage page, ServiceModel service, Instant start)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var capacity = service.Rules.Capacity;
        if (!HasCapacities || capacity <= 1)
        {
            return capacity;
        }
        var local = start.InZone(page.Zone).LocalDateTime;
        var from = local.Hour * 60 + local.Minute;
        var to = from + (int)service.Rules.Duration.TotalMinutes;
        int? best = null;
        foreach (var slot in _slots)
        {
            if (slot.Date != local.Date || (slot.Services is not null && !slot.Services.Contains(service.Key)) ||
                !slot.Hours.Any(h => h.StartMinute <= from && h.EndMinute >= to))
            {
                continue;
            }
            var seats = Math.Min(slot.Capacity ?? capacity, capacity);
            best = best is null ? seats : Math.Max(best.Value, seats);
        }
        return best ?? capacity;
    }

    /// <summary>Slots of a class with each one's remaining seats counted against its time slot's capacity (full ones left out).</summary>
    public IReadOnlyList<Scheduling.Slots.Slot> Cap(CompiledPage page, ServiceModel service, IReadOnlyList<Scheduling.Slots.Slot> slots)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(slots);
        if (!HasCapacities || service.Rules.Capacity <= 1)
        {
            return slots;
        }
        var result = new List<Scheduling.Slots.Slot>(slots.Count);
        foreach (var slot in slots)
        {
            var booked = service.Rules.Capacity - slot.Remaining;
            var remaining = SeatsAt(page, service, slot.Start) - booked;
            if (remaining > 0)
            {
                result.Add(slot with { Remaining = remaining });
            }
        }
        return result;
    }

    /// <summary>
    /// Whether members book <paramref name="service"/> online as an appointment (seed 003's switch): one of the organization's
    /// services named in <c>appointmentServices</c>, or, without that list, one seating a single client that
    /// <c>sessionServices</c> does not name.
    /// </summary>
    public bool AsAppointment(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return _own.Contains(service.Key) &&
               (_appointments?.Contains(service.Key) ?? (service.Rules.Capacity == 1 && _sessions?.Contains(service.Key) != true));
    }

    /// <summary>Whether members book <paramref name="service"/> online as a session (a class): the same rule, the other way round.</summary>
    public bool AsSession(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return _own.Contains(service.Key) &&
               (_sessions?.Contains(service.Key) ?? (service.Rules.Capacity > 1 && _appointments?.Contains(service.Key) != true));
    }

    /// <summary>
    /// Whether a link of <paramref name="kind"/> offers <paramref name="service"/>. The organization's kinds: its services that
    /// members book online as that kind (either kind for the contract's link). The regular kinds: any public service of that
    /// kind, the organization's own as it books them and every other by its capacity (one client: an appointment).
    /// </summary>
    public bool Admits(LinkKind kind, ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var classified = AsAppointment(service) || AsSession(service);
        return kind switch
        {
            LinkKind.Organization => classified,
            LinkKind.OrganizationAppointment => AsAppointment(service),
            LinkKind.OrganizationSession => AsSession(service),
            LinkKind.Appointment => classified ? AsAppointment(service) : service.Rules.Capacity == 1,
            LinkKind.Session => classified ? AsSession(service) : service.Rules.Capacity > 1,
            _ => false,
        };
    }

    /// <summary>Inside the organization's optional date window.</summary>
    public bool Inside(LocalDate date) => (From is null || date >= From) && (To is null || date <= To);

    /// <summary>The organization's time slots for a service (all of them with null) as dated hours; every other day is closed.</summary>
    public Schedule HoursFor(string? service)
    {
        var dated = _slots.Where(s => service is null || s.Services is null || s.Services.Contains(service))
            .GroupBy(s => s.Date)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TimeRange>)[.. g.SelectMany(s => s.Hours)]);
        return new Schedule(new Dictionary<IsoDayOfWeek, IReadOnlyList<TimeRange>>(), dated);
    }

    /// <summary>
    /// Every time slot's hours by date (whatever its services), inside the organization's window, by the staff member each names
    /// (null: a slot of the whole page).
    /// </summary>
    public IEnumerable<(string? Staff, LocalDate Date, IEnumerable<TimeRange> Hours)> SlotHours =>
        _slots.GroupBy(s => (s.Staff, s.Date)).Select(g => (g.Key.Staff, g.Key.Date, g.SelectMany(s => s.Hours)));

    /// <summary>Dates that have time slots (for a service, or any with null), in order.</summary>
    public IReadOnlyList<LocalDate> Dates(string? service) =>
        [.. _slots.Where(s => service is null || s.Services is null || s.Services.Contains(service)).Select(s => s.Date).Distinct().Order()];

    /// <summary>
    /// The page as a link of this kind shows it. Organization kinds: only the organization's services, and the
    /// page's hours (and every branch's) replaced by the organization's time slots for the service; staff keep
    /// their own hours, and every booking still takes the same units, so the database refuses overlaps with
    /// public bookings as ever. Regular kinds: the public page with only appointments or only sessions.
    /// </summary>
    public CompiledPage View(CompiledPage page, LinkKind kind, string? service)
    {
        ArgumentNullException.ThrowIfNull(page);
        return _views.GetOrAdd($"{page.ConfigVersion}|{kind.ToWire()}|{service}", _ => Build(page, kind, service));
    }

    private CompiledPage Build(CompiledPage page, LinkKind kind, string? service)
    {
        if (!LinkKinds.IsOrganization(kind))
        {
            return page with
            {
                Services = page.Services.Where(s => Admits(kind, s.Value) && page.IsPublic(s.Key))
                    .ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
            };
        }
        var hours = HoursFor(service);
        return page with
        {
            Services = page.Services.Where(s => Admits(kind, s.Value)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
            Hours = hours,
            AllowedDays = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToHashSet(),
            Branches = [.. page.Branches.Select(b => b with { Hours = hours })],
            Staff = StaffFor(page.PublishedStaff ?? page.Staff, service),
            Variant = $"org:{Key}:{kind.ToWire()}:{service}",
            Organization = this,
        };
    }

    /// <summary>
    /// The staff as this organization's members see them: their own hours (an exclusive organization's slots close nobody here),
    /// except that a time slot naming a staff member is theirs alone, so every other staff member is closed in its hours (unless
    /// a slot naming nobody, or one naming them, opens the same time).
    /// </summary>
    private IReadOnlyList<StaffModel> StaffFor(IReadOnlyList<StaffModel> staff, string? service)
    {
        var slots = _slots.Where(s => service is null || s.Services is null || s.Services.Contains(service)).ToList();
        if (!slots.Any(s => s.Staff is not null))
        {
            return staff;
        }
        return [.. staff.Select(member =>
        {
            var closed = new Dictionary<LocalDate, IReadOnlyList<TimeRange>>();
            foreach (var day in slots.Where(s => s.Staff is not null && s.Staff != member.Key).GroupBy(s => s.Date))
            {
                var open = LocalRanges.Normalize(slots.Where(s => s.Date == day.Key && (s.Staff is null || s.Staff == member.Key)).SelectMany(s => s.Hours));
                var theirs = LocalRanges.Subtract(LocalRanges.Normalize(day.SelectMany(s => s.Hours)), open);
                if (theirs.Count > 0)
                {
                    closed[day.Key] = theirs;
                }
            }
            return closed.Count == 0 ? member : member with { Hours = (member.Hours ?? Schedule.AlwaysOpen).Without(closed) };
        })];
    }
}
