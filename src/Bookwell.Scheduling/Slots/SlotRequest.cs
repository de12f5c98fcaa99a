using Bookwell.Scheduling.Availability;
using Bookwell.Scheduling.Intervals;
using Bookwell.Scheduling.Travel;
using NodaTime;

namespace Bookwell.Scheduling.Slots;

/// <summary>The rules of one bookable service, with page defaults already folded in by the caller.</summary>
/// <param name="Duration">Elapsed length of the service.</param>
/// <param name="BufferBefore">Time kept free before the service on every unit it uses.</param>
/// <param name="BufferAfter">Time kept free after the service on every unit it uses.</param>
/// <param name="SlotInterval">Step between candidate starts, counted from the start of each opening range.</param>
/// <param name="MinimumNotice">Earliest start is <c>now + MinimumNotice</c>.</param>
/// <param name="HorizonDays">Last bookable local date is today (in the page zone) plus this many days.</param>
/// <param name="Capacity">Bookings that may share one slot; above 1 the service is a group class.</param>
/// <param name="RequiresStaff">Whether each booking needs one staff member.</param>
/// <param name="ResourceTypes">One free resource of each of these types is needed per booking.</param>
/// <param name="Hours">The service's own weekly hours and dated exceptions (issue 15), intersected with the page's (and
/// branch's) hours: they only narrow them. Null: the service follows the page.</param>
public sealed record ServiceRules(
    Duration Duration,
    Duration BufferBefore,
    Duration BufferAfter,
    Duration SlotInterval,
    Duration MinimumNotice,
    int HorizonDays,
    int Capacity,
    bool RequiresStaff,
    IReadOnlyList<string> ResourceTypes,
    Schedule? Hours = null);

/// <summary>
/// A staff member or one seat of a resource. A resource of capacity n is passed as n units with the same key
/// and seats 0..n-1.
/// </summary>
/// <param name="Key">Stable key of the staff member or resource.</param>
/// <param name="Seat">Seat index within the resource (0 for staff).</param>
/// <param name="Type">Resource type, or null for staff.</param>
/// <param name="Schedules">The unit's own hours; all are intersected with the page hours. Empty follows the page.</param>
/// <param name="Busy">Occupied time (bookings with their buffers, holds, external busy), sorted by start.</param>
/// <param name="Stops">Where the unit has to be for its mobile bookings (service time and address), sorted by start;
/// only read when the request has a <see cref="SlotRequest.Trip"/>.</param>
/// <param name="Travels">A resource seat that drives to the client with the booking (a vehicle, issue 15): its travel
/// between its own consecutive stops is judged like a staff member's. Staff members and the page calendar always travel
/// on a mobile booking; other resources (equipment) are only held for the service.</param>
public sealed record BookableUnit(
    string Key,
    int Seat,
    string? Type,
    IReadOnlyList<Schedule> Schedules,
    IReadOnlyList<Span> Busy,
    IReadOnlyList<Stop>? Stops = null,
    bool Travels = false);

/// <summary>An already-started group class at <paramref name="Start"/> that later bookings join.</summary>
/// <param name="Start">Start of the class.</param>
/// <param name="Booked">Live bookings already in it.</param>
/// <param name="Staff">Staff member running it, if any.</param>
/// <param name="Resources">Resource units it holds.</param>
public sealed record GroupInstance(Instant Start, int Booked, string? Staff, IReadOnlyList<ResourceSeat> Resources);

/// <summary>One seat of one resource.</summary>
public readonly record struct ResourceSeat(string Key, int Seat);

/// <summary>Everything the engine needs for one question; no clock or I/O behind it.</summary>
/// <param name="Zone">The page's time zone, in which hours and dates are defined.</param>
/// <param name="Hours">Page hours and, where it has its own, branch hours; intersected.</param>
/// <param name="AllowedDays">Days of the week that may be booked at all.</param>
/// <param name="Service">Rules of the service asked about.</param>
/// <param name="Staff">Staff able to perform the service (already filtered by branch or by the client's choice).</param>
/// <param name="Resources">Resource seats that may be used.</param>
/// <param name="Groups">Existing group classes of this service by start.</param>
/// <param name="Now">The current instant, passed in so the engine never reads a clock.</param>
/// <param name="Window">Only slots starting inside this interval are returned.</param>
/// <param name="IgnoreNoticeAndHorizon">Walk-ins and operators may book outside notice and horizon.</param>
/// <param name="Calendar">The page's own calendar (per branch), for a service that needs no staff member: one unit
/// its bookings hold like a staff member's time, so they never overlap one another. Null: the page's hours alone.</param>
/// <param name="Trip">A mobile booking: its address and the travel rule. A start is offered only when the travel from
/// each unit's previous stop and to its next stop (<see cref="TravelLegs"/>) lies clear of that unit's busy time.</param>
/// <param name="Ranking">Who is chosen when the booking may go to anyone able (issue 15): the client's preferred staff
/// member, then the service's strategy. Null: page order. It never changes which slots are offered, only who gets one.</param>
public sealed record SlotRequest(
    DateTimeZone Zone,
    IReadOnlyList<Schedule> Hours,
    IReadOnlySet<IsoDayOfWeek> AllowedDays,
    ServiceRules Service,
    IReadOnlyList<BookableUnit> Staff,
    IReadOnlyList<BookableUnit> Resources,
    IReadOnlyDictionary<Instant, GroupInstance> Groups,
    Instant Now,
    Span Window,
    bool IgnoreNoticeAndHorizon = false,
    BookableUnit? Calendar = null,
    Trip? Trip = null,
    StaffRanking? Ranking = null);

/// <summary>A bookable slot.</summary>
/// <param name="Start">Start of the service.</param>
/// <param name="End">End of the service (without buffers).</param>
/// <param name="Staff">Keys of staff able to take it, in the order given; empty when no staff is needed.</param>
/// <param name="Remaining">Bookings the slot can still take.</param>
public sealed record Slot(Instant Start, Instant End, IReadOnlyList<string> Staff, int Remaining);

/// <summary>The units chosen for a booking at a given start.</summary>
/// <param name="Staff">Chosen staff member, or null when the service needs none.</param>
/// <param name="Resources">Chosen resource seats, one per required type.</param>
/// <param name="Group">The class joined, when the start already holds one.</param>
/// <param name="TravelBefore">For a mobile booking: travel from the staff member's (or calendar's) previous stop, held
/// before the service and its buffer.</param>
/// <param name="TravelAfter">For a mobile booking: travel to the next stop, held after the service and its buffer.</param>
/// <param name="VehicleTravelBefore">For a mobile booking with a vehicle (a resource that <see cref="BookableUnit.Travels"/>):
/// travel from the vehicle's previous stop, held on its seat before the service and its buffer.</param>
/// <param name="VehicleTravelAfter">Likewise to the vehicle's next stop.</param>
public sealed record Assignment(string? Staff, IReadOnlyList<ResourceSeat> Resources, GroupInstance? Group,
    Duration TravelBefore = default, Duration TravelAfter = default, Duration VehicleTravelBefore = default, Duration VehicleTravelAfter = default);
