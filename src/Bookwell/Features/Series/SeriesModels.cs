using System.Text.Json;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Bookwell.Scheduling.Series;
using NodaTime;

namespace Bookwell.Features.Series;

/// <summary>How a series repeats: <c>weekly</c>, <c>biweekly</c> or <c>monthly</c> (same weekday), <c>count</c> times or until a date.</summary>
public sealed class RepeatInput
{
    public string? Frequency { get; set; }
    public int? Count { get; set; }
    public string? Until { get; set; }
}

/// <summary>The client's choice for one occurrence that differs from "book it at its own time".</summary>
public sealed class OccurrenceChoice
{
    public int? Index { get; set; }
    public bool? Skip { get; set; }
    /// <summary>Another start for this occurrence (the offered alternative, or any other free time).</summary>
    public string? Start { get; set; }
}

/// <summary>The booking body (<see cref="BookingRequest"/>) plus how it repeats and the choices per occurrence.</summary>
public sealed class SeriesRequest
{
    public string? Service { get; set; }
    public string? Start { get; set; }
    public string? Staff { get; set; }
    public string? Branch { get; set; }
    public string? TimeZone { get; set; }
    public CustomerInput? Customer { get; set; }
    public Dictionary<string, JsonElement>? Answers { get; set; }
    public string? Notes { get; set; }
    public bool? MarketingOptIn { get; set; }
    public bool? TermsAccepted { get; set; }
    public LocationInput? Location { get; set; }
    public string? Page { get; set; }
    public RepeatInput? Repeat { get; set; }
    public List<OccurrenceChoice>? Occurrences { get; set; }

    public BookingRequest ToBooking() => new()
    {
        Service = Service,
        Start = Start,
        Staff = Staff,
        Branch = Branch,
        TimeZone = TimeZone,
        Customer = Customer,
        Answers = Answers,
        Notes = Notes,
        MarketingOptIn = MarketingOptIn,
        TermsAccepted = TermsAccepted,
        Location = Location,
        Page = Page,
    };
}

/// <summary>One occurrence as checked: whether it can be booked at its own time and, if not, the nearest free time that day.</summary>
public sealed record OccurrenceView(int Index, string Date, string Start, bool Available, bool Shifted, string? Alternative);

/// <summary>The answer to a check: every occurrence, in order.</summary>
public sealed record SeriesCheck(string Frequency, int Count, IReadOnlyList<OccurrenceView> Occurrences)
{
    public int Bookable => Occurrences.Count(o => o.Available);
}

/// <summary>A written series: its id, the manage link of its first occurrence, and every occurrence booked.</summary>
public sealed record SeriesResponse(string SeriesId, string? ManageToken, string? ManageUrl, IReadOnlyList<int> Skipped, IReadOnlyList<BookingResponse> Bookings);

/// <summary>A series as the manage page and admin show it.</summary>
public sealed record SeriesView(string SeriesId, IReadOnlyList<SeriesItem> Occurrences);

public sealed record SeriesItem(string Id, int Index, string Status, string Start, string End, bool Current);

/// <summary>Cancel one occurrence or this one and all that follow.</summary>
public sealed class SeriesCancelRequest
{
    /// <summary>Which occurrence (its place in the series); the one the link belongs to when absent.</summary>
    public int? Index { get; set; }
    /// <summary><c>one</c> (default) or <c>following</c>.</summary>
    public string? Scope { get; set; }
}

/// <summary>Reschedule one occurrence, or it and all that follow by the same local shift.</summary>
public sealed class SeriesRescheduleRequest
{
    /// <summary>Which occurrence (its place in the series); the one the link belongs to when absent.</summary>
    public int? Index { get; set; }
    /// <summary><c>one</c> (default) or <c>following</c>.</summary>
    public string? Scope { get; set; }
    /// <summary>The occurrence's new start, ISO-8601 with an offset; the following ones keep the same local shift.</summary>
    public string? Start { get; set; }
}

/// <summary>An occurrence that cannot move (in a 409): its index, its start, the start it would have had, and why (<c>unavailable</c>: not free or outside the rules then; <c>not-open</c>).</summary>
public sealed record BlockedView(int Index, string Start, string NewStart, string Reason);

public static class SeriesValidation
{
    public const int MaxOccurrences = 52;

    /// <summary>The repetition rule, with errors under <c>repeat.*</c>; null when invalid.</summary>
    public static RecurrenceRule? Rule(RepeatInput? r, Instant first, DateTimeZone zone, Errors e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (r is null)
        {
            e.Add("repeat", "Required: { \"frequency\": \"weekly\" | \"biweekly\" | \"monthly\", \"count\" or \"until\" }.");
            return null;
        }
        Frequency? frequency = r.Frequency switch
        {
            "weekly" => Frequency.Weekly,
            "biweekly" => Frequency.Biweekly,
            "monthly" => Frequency.Monthly,
            _ => null,
        };
        if (frequency is null)
        {
            e.Add("repeat.frequency", "Must be weekly, biweekly or monthly.");
        }
        if (r.Count is null && r.Until is null)
        {
            e.Add("repeat.count", "Give a count (2 or more) or an end date (until).");
        }
        if (r.Count is { } n && (n < 2 || n > MaxOccurrences))
        {
            e.Add("repeat.count", $"Must be from 2 to {MaxOccurrences}.");
        }
        LocalDate? until = null;
        if (r.Until is not null)
        {
            if (!TimeFormats.TryParseDate(r.Until, out var u))
            {
                e.Add("repeat.until", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}.");
            }
            else if (first != default && u <= first.InZone(zone).Date)
            {
                e.Add("repeat.until", "Must be after the first occurrence's date.");
            }
            else
            {
                until = u;
            }
        }
        return e.Any || frequency is null ? null : new RecurrenceRule(frequency.Value, r.Count, until, MaxOccurrences);
    }

    /// <summary>Services a series cannot be made of (each reason under <c>service</c>); the page's double opt-in too.</summary>
    public static void Service(CompiledPage page, ServiceModel service, bool admin, Errors e)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(e);
        if (service.Rules.Capacity > 1)
        {
            e.Add("service", "Group classes cannot be booked as a series; book each session.");
        }
        if (service.Doc.Payment is "now" or "deposit" or "invoice")
        {
            e.Add("service", "Services paid online or invoiced per booking cannot be booked as a series.");
        }
        if (service.Doc.Fields!.Exists(f => f.Type == "file"))
        {
            e.Add("service", "Services that ask for a file cannot be booked as a series.");
        }
        // A series may land at any branch: refused when clients confirm by e-mail at any of them (issue 15: set per branch).
        var optIn = page.Branches.Count == 0 ? page.Doc.Settings!.DoubleOptInHours is not null
            : page.Branches.Any(b => page.SettingsFor(b.Key).DoubleOptInHours is not null);
        if (!admin && optIn && page.Doc.Settings!.RequiresApproval != true)
        {
            e.Add("repeat", "This page asks clients to confirm each booking by e-mail; a series cannot be booked here.");
        }
    }
}
