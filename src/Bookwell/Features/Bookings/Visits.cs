using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Configuration;
using Bookwell.Scheduling.Slots;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Bookings;

/// <summary>
/// One part of a multi-service visit as stored on its booking (<see cref="Booking.VisitPartsJson"/>): the service,
/// its time, buffers and the units serving it. Each part holds its own allocation rows.
/// </summary>
public sealed record VisitPartRecord(string Service, string Name, string Start, string End, int BufferBefore, int BufferAfter, string? Staff,
    string Resources, bool Calendar)
{
    public Instant StartsAt => InstantPattern.ExtendedIso.Parse(Start).Value;

    public Instant EndsAt => InstantPattern.ExtendedIso.Parse(End).Value;
}

/// <summary>
/// Several services in one visit (issue 15): one booking, one manage link, one confirmation. The booking's own
/// service, staff and resources are its first part's; its start is the first part's start and its end the last
/// part's end; its buffers are the first part's before and the last part's after. The parts are kept on the
/// booking and each writes its own allocations, so the database judges every part exactly as a single booking.
/// </summary>
public static class Visits
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Services that cannot be part of a visit: classes, online payment, invoices and file questions (they act per booking).</summary>
    public static string? Unfit(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Rules.Capacity != 1 ? "a group class"
            : service.Doc.Payment != "none" ? "paid online or invoiced"
            : service.Doc.Fields!.Exists(f => f.Type == "file") ? "asks for a file"
            : null;
    }

    public static IReadOnlyList<VisitPartRecord>? Parts(Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return Parts(booking.VisitPartsJson);
    }

    /// <summary>The parts stored in a booking's <see cref="Booking.VisitPartsJson"/>; null for a booking that is not a visit.</summary>
    public static IReadOnlyList<VisitPartRecord>? Parts(string? visitPartsJson) =>
        visitPartsJson is null ? null : JsonSerializer.Deserialize<List<VisitPartRecord>>(visitPartsJson, Options);

    /// <summary>
    /// The booking as the people serving it see it (issue 15): a visit as one item per part, each with its own person
    /// (<see cref="Booking.StaffKey"/>), service name and time (<see cref="Booking.StartsAt"/>/<see cref="Booking.EndsAt"/>);
    /// any other booking as it is. The parts are detached copies with the booking's id, for lists and notices only.
    /// </summary>
    public static IEnumerable<Booking> PerPerson(Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (Parts(booking) is not { Count: > 0 } parts)
        {
            yield return booking;
            yield break;
        }
        foreach (var part in parts)
        {
            var copy = booking.Copy();
            copy.ServiceKey = part.Service;
            copy.ServiceName = part.Name;
            copy.StaffKey = part.Staff;
            copy.StartsAt = part.StartsAt;
            copy.EndsAt = part.EndsAt;
            copy.BufferBeforeMinutes = part.BufferBefore;
            copy.BufferAfterMinutes = part.BufferAfter;
            yield return copy;
        }
    }

    /// <summary>
    /// Text a visit's stored parts contain when <paramref name="staffKey"/> serves one of them: a database filter that finds the
    /// candidates (<c>StaffKey == key || VisitPartsJson.Contains(needle)</c>); <see cref="PerPerson"/> then decides exactly.
    /// </summary>
    public static string StaffNeedle(string staffKey) => $"\"staff\":{JsonSerializer.Serialize(staffKey, Options)}";

    /// <summary>Sets a booking's parts, and its own fields from them, for a visit starting at <paramref name="start"/>.</summary>
    public static void Apply(Booking booking, IReadOnlyList<ServiceModel> services, Instant start, string? branch, IReadOnlyList<Assignment> assignments)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(assignments);
        var offsets = VisitEngine.Offsets(services.Select(s => s.Rules).ToList());
        var parts = new List<VisitPartRecord>(services.Count);
        for (var i = 0; i < services.Count; i++)
        {
            var s = services[i];
            var partStart = start + offsets[i];
            parts.Add(new VisitPartRecord(s.Key, s.Doc.Name!, InstantPattern.ExtendedIso.Format(partStart),
                InstantPattern.ExtendedIso.Format(partStart + s.Rules.Duration), (int)s.Rules.BufferBefore.TotalMinutes,
                (int)s.Rules.BufferAfter.TotalMinutes, assignments[i].Staff, Units.FormatSeats(assignments[i].Resources),
                Units.UsesCalendar(s)));
        }
        booking.VisitPartsJson = JsonSerializer.Serialize(parts, Options);
        booking.ServiceKey = services[0].Key;
        booking.ServiceName = string.Join(" + ", services.Select(s => s.Doc.Name));
        booking.StaffKey = assignments[0].Staff;
        booking.ResourceKeys = Units.FormatSeats(assignments[0].Resources);
        booking.BranchKey = branch;
        booking.StartsAt = start;
        booking.EndsAt = parts[^1].EndsAt;
        booking.BufferBeforeMinutes = parts[0].BufferBefore;
        booking.BufferAfterMinutes = parts[^1].BufferAfter;
        booking.GroupKey = null;
    }

    /// <summary>The services of a stored visit, as the page has them now; null when one is gone or no longer fits a visit.</summary>
    public static IReadOnlyList<ServiceModel>? Services(CompiledPage page, IReadOnlyList<VisitPartRecord> parts)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(parts);
        var services = new List<ServiceModel>(parts.Count);
        foreach (var p in parts)
        {
            if (page.ActiveService(p.Service) is not { } s || Unfit(s) is not null)
            {
                return null;
            }
            services.Add(s);
        }
        return services;
    }
}
