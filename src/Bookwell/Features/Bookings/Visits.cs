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

    /// <summary>
    /// Services that cannot be part of a visit: classes, file questions and no-show fees (they act per booking: a seat, an
    /// upload, a fee charged to a card saved for that one service). Services paid online or invoiced can: the visit is
    /// billed as one (<see cref="Billing"/>).
    /// </summary>
    public static string? Unfit(ServiceModel service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Rules.Capacity != 1 ? "a group class"
            : service.Doc.Fields!.Exists(f => f.Type == "file") ? "asks for a file"
            : service.Doc.NoShowFee is not null ? "charged a no-show fee"
            : null;
    }

    /// <summary>The one currency the priced parts of a visit share; null when none is priced or they differ (<see cref="MixedCurrencies"/>).</summary>
    public static string? Currency(IEnumerable<ServiceDoc> parts)
    {
        var currencies = parts.Select(p => p.Price?.Currency).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return currencies.Count == 1 ? currencies[0] : null;
    }

    /// <summary>True when the parts are priced in more than one currency: one payment and one invoice cannot hold them.</summary>
    public static bool MixedCurrencies(IEnumerable<ServiceDoc> parts) =>
        parts.Select(p => p.Price?.Currency).OfType<string>().Distinct(StringComparer.Ordinal).Skip(1).Any();

    /// <summary>
    /// A visit's money as if it were one service, so everything that prices, charges, invoices and refunds a booking reads a
    /// visit the same way (issue 15: one payment). The price is the sum of the parts' prices. When any part is paid online
    /// (<c>now</c> or <c>deposit</c>) the visit is paid online: what is paid at booking is the full price of every <c>now</c>
    /// part plus the deposit of every <c>deposit</c> part (<c>payment</c> <c>now</c> when that is the whole price, else
    /// <c>deposit</c>); the rest (deposit balances, <c>none</c> and <c>invoice</c> parts) stays due on the visit's invoice.
    /// Otherwise any <c>invoice</c> part makes the whole visit invoiced, else it is paid at the appointment. The cancellation
    /// policy is the strictest of the policies of the parts that are paid online or invoiced: at every moment before the
    /// start, the lowest share any of them gives back.
    /// </summary>
    public static ServiceDoc Billing(IReadOnlyList<ServiceDoc> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var currency = Currency(parts) ?? parts.Select(p => p.Price?.Currency).OfType<string>().FirstOrDefault();
        // Mixed currencies are refused before booking; a stored visit whose prices were changed since counts its first currency only.
        var priced = parts.Where(p => p.Price?.Currency == currency).ToList();
        var total = priced.Sum(p => p.Price?.Amount ?? 0m);
        var online = parts.Any(p => p.Payment is "now" or "deposit");
        var now = priced.Sum(ChargedAtBooking);
        var payment = online ? (now >= total ? "now" : "deposit") : parts.Any(p => p.Payment == "invoice") ? "invoice" : "none";
        return new ServiceDoc
        {
            Key = parts[0].Key,
            Name = string.Join(" + ", parts.Select(p => p.Name)),
            Price = currency is null ? null : new MoneyDoc { Amount = total, Currency = currency },
            Payment = payment,
            Deposit = payment == "deposit" ? new MoneyDoc { Amount = now, Currency = currency } : null,
            CancellationPolicy = Strictest(parts.Where(p => p.Payment != "none").Select(p => p.CancellationPolicy).ToList()),
            Fields = [],
        };
    }

    /// <summary>
    /// The online payment of these services is (or holds) a deposit: one of them is paid by deposit. A visit billed as
    /// <c>deposit</c> (<see cref="Billing"/>) because a part paid online in full sits beside a part paid at the appointment
    /// takes no deposit: its pages say "paid online", not "deposit".
    /// </summary>
    public static bool TakesDeposit(IEnumerable<ServiceDoc> services) => services.Any(s => s.Payment == "deposit");

    /// <summary>
    /// <see cref="TakesDeposit(IEnumerable{ServiceDoc})"/> for a stored booking: its visit's parts as the page has them now, or, for
    /// any other booking (or a visit whose page is gone), <paramref name="billedAsDeposit"/>, what its checkout was opened as.
    /// </summary>
    public static bool TakesDeposit(CompiledPage? page, Booking booking, bool billedAsDeposit)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (!billedAsDeposit || page is null || Parts(booking) is not { Count: > 0 } parts)
        {
            return billedAsDeposit;
        }
        var docs = parts.Select(p => page.Services.GetValueOrDefault(p.Service)?.Doc).ToList();
        // A part gone from the page cannot be judged: keep the word the checkout was opened with.
        return docs.Exists(d => d is null) || TakesDeposit(docs.OfType<ServiceDoc>());
    }

    /// <summary>
    /// The rest of a visit paid partly online is invoiced, not paid at the appointment: one of its parts is an <c>invoice</c> service
    /// (<see cref="Billing"/> puts what is not paid at booking on the visit's invoice). Its pages say "invoiced".
    /// </summary>
    public static bool InvoicesRest(IEnumerable<ServiceDoc> services) => services.Any(s => s.Payment == "invoice");

    /// <summary><see cref="InvoicesRest(IEnumerable{ServiceDoc})"/> for a stored booking: its visit's parts as the page has them now; false for any other booking.</summary>
    public static bool InvoicesRest(CompiledPage? page, Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return page is not null && Parts(booking) is { Count: > 0 } parts
               && InvoicesRest(parts.Select(p => page.Services.GetValueOrDefault(p.Service)?.Doc).OfType<ServiceDoc>());
    }

    /// <summary>What a part of a visit adds to the payment taken at booking: its whole price when paid <c>now</c>, its deposit when <c>deposit</c>, else nothing.</summary>
    public static decimal ChargedAtBooking(ServiceDoc part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return part.Payment switch
        {
            "now" => part.Price?.Amount ?? 0m,
            "deposit" => part.Deposit?.Amount ?? 0m,
            _ => 0m,
        };
    }

    /// <summary>The visit's money (<see cref="Billing"/>) for a stored booking, or its own service's for any other; null when the service is gone.</summary>
    public static ServiceDoc? Billing(CompiledPage? page, Booking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        if (page is null)
        {
            return null;
        }
        if (Parts(booking) is not { Count: > 0 } parts)
        {
            return page.Services.GetValueOrDefault(booking.ServiceKey)?.Doc;
        }
        var docs = parts.Select(p => page.Services.GetValueOrDefault(p.Service)?.Doc).OfType<ServiceDoc>().ToList();
        return docs.Count == 0 ? null : Billing(docs);
    }

    /// <summary>
    /// One policy that gives back, at every moment, the least any of <paramref name="policies"/> gives back: its tiers are every
    /// tier's hours, each with the lowest share any policy gives that far ahead. No policy at all (null) gives everything back.
    /// </summary>
    public static Refunds.CancellationPolicyDoc? Strictest(IReadOnlyList<Refunds.CancellationPolicyDoc?> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var set = policies.OfType<Refunds.CancellationPolicyDoc>().ToList();
        if (set.Count == 0)
        {
            return null;
        }
        var start = Instant.FromUnixTimeSeconds(0);
        var hours = set.SelectMany(p => p.Refunds ?? []).Select(t => t?.HoursBefore).OfType<int>().Distinct().OrderByDescending(h => h);
        var tiers = hours.Select(h => new Refunds.RefundTierDoc
        {
            HoursBefore = h,
            // Every policy is constant between two of these hours, so the share at each is the share until the next.
            Percent = policies.Min(p => Refunds.CancellationPolicy.Share(p, start, start - Duration.FromHours(h)).Percent),
        }).ToList();
        return new Refunds.CancellationPolicyDoc { Refunds = tiers };
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
