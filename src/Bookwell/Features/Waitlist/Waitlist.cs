using System.Globalization;
using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Waitlist;

/// <summary>The join body (contract 4.4); <c>timeZone</c> is additive (the zone offered times are written in).</summary>
public sealed class JoinRequest
{
    public string? Service { get; set; }
    public string? Staff { get; set; }
    public string? Date { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? TimeZone { get; set; }
    public CustomerInput? Customer { get; set; }
    /// <summary>Additive (issue 15): where the client wants a mobile service, as a booking's <c>location</c>.</summary>
    public LocationInput? Location { get; set; }
    /// <summary>
    /// Additive (issue 15): the branch the client waits at, on a page with branches. Optional; required only where the
    /// service and staff member leave more than one branch with the waitlist on.
    /// </summary>
    public string? Branch { get; set; }
}

public sealed record OfferView(string Start, string End, string ExpiresAt);

/// <summary>An entry as its holder sees it.</summary>
public sealed record EntryView(string Id, string Status, string Page, string Service, string? Staff, string Date, string? From, string? To,
    string TimeZone, OfferView? Offer)
{
    public string? ManageToken { get; init; }

    /// <summary>Additive (issue 15): the branch the entry waits at; null on a page without branches.</summary>
    public string? Branch { get; init; }

    /// <summary>Where a service at the client's address is wanted (the <c>location</c> given when joining); null otherwise.</summary>
    public System.Text.Json.JsonElement? Location { get; init; }

    public static EntryView Of(WaitlistEntry w, CompiledPage? page, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(w);
        var zone = TimeFormats.Zone(w.TimeZone) ?? page?.Zone ?? DateTimeZone.Utc;
        var duration = page?.Services.GetValueOrDefault(w.ServiceKey)?.Rules.Duration ?? Duration.Zero;
        var offer = w.Status == WaitlistStatus.Offered && w.OfferStart is { } s && w.OfferExpiresAt is { } e
            ? new OfferView(TimeFormats.Format(s, zone), TimeFormats.Format(s + duration, zone), TimeFormats.Format(e, zone))
            : null;
        return new EntryView(w.Key.ToString(), w.Status.ToWire(), w.PageSlug, w.ServiceKey, w.StaffKey, w.Date,
            w.FromMinute is { } f ? WaitlistMail.Clock(f) : null, w.ToMinute is { } t ? WaitlistMail.Clock(t) : null, w.TimeZone, offer)
        {
            ManageToken = token,
            Branch = w.BranchKey,
            Location = w.LocationJson is null ? null : System.Text.Json.JsonDocument.Parse(w.LocationJson).RootElement.Clone(),
        };
    }
}

public abstract record AcceptResult
{
    public sealed record Booked(Booking Booking, string? Token) : AcceptResult
    {
        /// <summary>Where the client pays, for a service paid online (the booking is then <c>pending_payment</c>).</summary>
        public string? PaymentUrl { get; init; }
    }

    /// <summary>The service is paid online and Stripe could not be reached: nothing changed, the offer stays open.</summary>
    public sealed record PaymentUnavailable : AcceptResult;
    public sealed record NotOffered : AcceptResult;
    public sealed record Missing : AcceptResult;
}

/// <summary>Joining, accepting, declining and leaving: one implementation for the API and the /waitlist page.</summary>
public sealed partial class WaitlistService(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IEnumerable<IEmailSender> senders,
    IDataProtectionProvider protection, CatalogCache catalogs, BookingLifecycle lifecycle, WaitlistOfferer offers, Mobile.MobileLocator locator,
    BookingExtras extras)
{
    public const int MaxBodyBytes = 8 * 1024;

    /// <summary>
    /// Validates a join field by field; null (with errors) when anything is wrong. The messages are in <paramref name="language"/>
    /// (the request's: the API and the join page alike), from <see cref="WaitlistText.Rules"/> and the booking rules' texts.
    /// </summary>
    public static WaitlistEntry? Validate(JoinRequest r, CompiledPage page, Instant now, Errors e, string language = "en")
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(e);
        string M(string english, params object?[] args) => WaitlistText.Say(language, english, args);
        // A service reserved for an exclusive organization is, to the public, not there at all (the same answer as an unknown key).
        var service = PublicService(page, r.Service);
        if (string.IsNullOrWhiteSpace(r.Service))
        {
            e.Add("service", M("Required: the key of a service on this page."));
        }
        else if (service is null)
        {
            e.Add("service", M("No such service on this page."));
        }
        if (r.Staff is not null && service is not null && page.StaffFor(service.Key).All(s => s.Key != r.Staff))
        {
            e.Add("staff", M("'{0}' does not offer this service.", Truncate(r.Staff)));
        }
        if (r.Staff is not null && service is not null && !service.Rules.RequiresStaff)
        {
            e.Add("staff", M("This service needs no staff member; leave it null."));
        }
        var branch = ValidateBranch(r, page, service, e, language);
        var today = now.InZone(page.Zone).Date;
        var dateOk = false;
        if (!TimeFormats.TryParseDate(r.Date, out var date))
        {
            e.Add("date", M("Required: a date as YYYY-MM-DD."));
        }
        else if (date < today)
        {
            e.Add("date", M("Must be today or later."));
        }
        else if (date > today.PlusDays(Math.Min(page.Doc.Settings!.HorizonDays ?? 60, service?.Rules.HorizonDays ?? int.MaxValue)))
        {
            e.Add("date", M("Is beyond how far ahead this service can be booked."));
        }
        else
        {
            dateOk = true;
        }
        var from = Minute(r.From, "from", e, language);
        var to = Minute(r.To, "to", e, language);
        if (from is not null && to is not null && from >= to)
        {
            e.Add("to", M("Must be later than 'from'."));
        }
        if (service is not null && dateOk && (from is null || to is null || from < to))
        {
            CheckOpen(page, service, branch, r.Staff, date, date == today ? now.InZone(page.Zone).TimeOfDay : null, from, to, e, language);
        }
        var zone = r.TimeZone is null ? page.Zone : TimeFormats.Zone(r.TimeZone);
        if (zone is null)
        {
            e.Add("timeZone", M("Must be an IANA time zone id such as Europe/Amsterdam."));
        }
        string? locationJson = null;
        if (r.Location?.Mode is { } mode && mode is not ("onsite" or "mobile"))
        {
            e.Add("location.mode", M("Must be onsite or mobile."));
        }
        else if (service is not null && Mobile.MobileServices.AtClient(page, service, r.Location?.Mode))
        {
            // The same rules as a mobile booking's address; where it lies is checked by LocateAsync.
            locationJson = BookingValidation.ValidateLocation(r.Location, e, language);
        }
        var c = r.Customer;
        if (c is null)
        {
            e.Add("customer", M("Required: name and e-mail address."));
        }
        else
        {
            if (ContactRules.NameProblem(c.Name) is { } nameProblem)
            {
                e.Add("customer.name", M(nameProblem));
            }
            if (string.IsNullOrWhiteSpace(c.Email))
            {
                e.Add("customer.email", M("Required."));
            }
            else if (!ContactRules.IsEmail(c.Email.Trim()))
            {
                e.Add("customer.email", M(ContactRules.EmailMessage));
            }
            if (!string.IsNullOrWhiteSpace(c.Phone) && !ContactRules.IsPhone(c.Phone, ContactRules.RegionOf(page.Zone)))
            {
                e.Add("customer.phone", M(ContactRules.PhoneMessage));
            }
        }
        if (e.Any || service is null || c is null || zone is null)
        {
            return null;
        }
        return new WaitlistEntry
        {
            Key = Ids.New(),
            TenantId = Guid.Empty,
            PageSlug = page.Slug,
            ServiceKey = service.Key,
            StaffKey = r.Staff,
            BranchKey = branch,
            Date = TimeFormats.FormatDate(date),
            FromMinute = from,
            ToMinute = to,
            CustomerName = c.Name!.Trim(),
            CustomerEmail = c.Email!.Trim(),
            // Stored in E.164 when it can be read in the page's country, as the client book stores it (else trimmed as typed).
            CustomerPhone = CustomerBook.Normalize(c.Phone, ContactRules.RegionOf(page.Zone)),
            TimeZone = zone.Id,
            LocationJson = locationJson,
            TokenHash = "",
            Status = WaitlistStatus.Waiting,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// Refuses a date or window no offer could ever fit (issue 15): the same opening rules the engine works from (allowed days,
    /// the branch's or page's weekly hours with their dated exceptions, the service's and the chosen staff member's own hours),
    /// so a client is not left waiting for a time that does not exist. Bookings are not looked at: a full day is what the
    /// waitlist is for.
    /// </summary>
    private static void CheckOpen(CompiledPage page, ServiceModel service, string? branch, string? staff, LocalDate date, LocalTime? nowToday,
        int? from, int? to, Errors e, string language)
    {
        string M(string english, params object?[] args) => WaitlistText.Say(language, english, args);
        IReadOnlyList<Bookwell.Scheduling.Availability.TimeRange> hours = page.AllowedDays.Contains(date.DayOfWeek)
            ? (page.Branches.FirstOrDefault(b => b.Key == branch)?.Hours ?? page.Hours).HoursOn(date)
            : [];
        if (service.Rules.Hours is { } own)
        {
            hours = Bookwell.Scheduling.Availability.LocalRanges.Intersect(hours, own.HoursOn(date));
        }
        if (staff is not null && page.Staff.FirstOrDefault(s => s.Key == staff)?.Hours is { } theirs)
        {
            hours = Bookwell.Scheduling.Availability.LocalRanges.Intersect(hours, theirs.HoursOn(date));
        }
        var minutes = (int)service.Rules.Duration.TotalMinutes;
        var lastStarts = hours.Where(h => h.EndMinute - h.StartMinute >= minutes).Select(h => h.EndMinute - minutes).ToList();
        if (lastStarts.Count == 0)
        {
            e.Add("date", M("Not open on this date for this service."));
            return;
        }
        if (nowToday is { } t && lastStarts.Max() < t.Hour * 60 + t.Minute)
        {
            e.Add("date", M("Nothing can start any more today; choose a later date."));
            return;
        }
        var lo = from ?? 0;
        var hi = to ?? Bookwell.Scheduling.Availability.TimeRange.MinutesPerDay;
        if (!hours.Any(h => Math.Min(h.EndMinute, hi) - Math.Max(h.StartMinute, lo) >= minutes))
        {
            e.Add(from is not null ? "from" : "to", M("No opening hours that day leave room for this service between 'from' and 'to'."));
        }
    }

    /// <summary>
    /// The branch an entry waits at (issue 15): the one asked for, which must be a branch of the page where the service (and
    /// the staff member, when one is chosen) is given and the waitlist is on; without one asked for, the only such branch,
    /// else a field error asking for it. Null on a page without branches.
    /// </summary>
    private static string? ValidateBranch(JoinRequest r, CompiledPage page, ServiceModel? service, Errors e, string language)
    {
        string M(string english, params object?[] args) => WaitlistText.Say(language, english, args);
        if (r.Branch is not null && page.Branches.All(b => b.Key != r.Branch))
        {
            e.Add("branch", page.Branches.Count == 0 ? M("This page has no branches; leave it null.") : M("No active branch '{0}' on this page.", Truncate(r.Branch)));
            return null;
        }
        if (page.Branches.Count == 0 || service is null)
        {
            return null;
        }
        var candidates = BranchesFor(page, service, r.Staff).Where(b => BranchSettings.WaitlistOn(page, b)).ToList();
        if (r.Branch is not null)
        {
            if (!candidates.Contains(r.Branch))
            {
                e.Add("branch", BranchesFor(page, service, r.Staff).Contains(r.Branch)
                    ? M("This branch has no waitlist.")
                    : r.Staff is not null ? M("The chosen staff member does not work at this branch.") : M("This service is not given at this branch."));
                return null;
            }
            return r.Branch;
        }
        if (candidates.Count == 0 && BranchesFor(page, service, r.Staff).Count > 0)
        {
            e.Add("branch", M("No branch that gives this service has a waitlist."));
        }
        if (candidates.Count > 1)
        {
            e.Add("branch", M("Required: the branch to wait at, one of {0}.", string.Join(", ", candidates)));
        }
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>The branches where a service (by a staff member, when one is named) can be given: a staff member without a branch works at all.</summary>
    public static List<string> BranchesFor(CompiledPage page, ServiceModel service, string? staff)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(service);
        var all = page.Branches.Select(b => b.Key).ToList();
        if (!service.Rules.RequiresStaff)
        {
            return all;
        }
        var people = page.StaffFor(service.Key).Where(s => staff is null || s.Key == staff).ToList();
        return people.Exists(s => s.Branch is null) ? all : all.Where(b => people.Exists(s => s.Branch == b)).ToList();
    }

    /// <summary>An active service the public may book on this page; null for an unknown, inactive or organization-only one.</summary>
    public static ServiceModel? PublicService(CompiledPage page, string? key)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.ActiveService(key) is { } s && page.IsPublic(s.Key) ? s : null;
    }

    [GeneratedRegex("^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$", RegexOptions.CultureInvariant)]
    private static partial Regex ClockTime();

    private static int? Minute(string? text, string field, Errors e, string language)
    {
        if (text is null)
        {
            return null;
        }
        if (ClockTime().Match(text) is not { Success: true } m)
        {
            e.Add(field, WaitlistText.Say(language, "Must be a time as HH:mm (00:00 to 24:00), or null."));
            return null;
        }
        return text == "24:00" ? 24 * 60 : (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 60) + int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    private static string Truncate(string s) => s.Length > 64 ? s[..64] + "…" : s;

    /// <summary>
    /// A mobile entry's address located and checked against the service area as a mobile booking's is (the pin when given,
    /// else the geocoder); errors under <c>location.</c>. True when the entry may join (nothing to locate counts).
    /// </summary>
    public async Task<bool> LocateAsync(WaitlistEntry entry, CompiledPage page, string language, Errors e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(e);
        if (entry.LocationJson is null)
        {
            return true;
        }
        var location = System.Text.Json.JsonSerializer.Deserialize<LocationInput>(entry.LocationJson, Json.Options)!;
        var (place, postcode) = await locator.LocateWithPostcodeAsync(page, location.Address, location.Latitude, location.Longitude, e, language,
            "location.", true, ct);
        if (e.Any)
        {
            return false;
        }
        entry.Latitude = place?.Latitude;
        entry.Longitude = place?.Longitude;
        // Kept for the offer, which checks it against the postcode list as it is then (the list may change while the entry waits).
        entry.Postcode = postcode?.Trim() is { Length: > 0 and <= 40 } code ? code : null;
        return true;
    }

    /// <summary>
    /// Stores a validated entry and queues the "joined" mail; returns the entry's token (shown once, stored hashed and sealed),
    /// or null when this person already has a live entry for the same page, service, staff member (or anyone) and date: the
    /// database's unique indexes decide, so parallel joins leave one entry whatever the concurrency.
    /// </summary>
    public async Task<string?> JoinAsync(WaitlistEntry entry, CompiledPage page, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var token = ManageTokens.Create();
        entry.EmailKey = WaitlistEntry.EmailKeyOf(entry.CustomerEmail);
        entry.TenantId = db.TenantId;
        entry.TokenHash = ManageTokens.Hash(token);
        entry.TokenSealed = WaitlistMail.Seal(protection, token);
        entry.Language = TextSet.Normalize(language);
        var baseUrl = await offers.BaseUrlAsync(ct);
        using (await gate.EnterAsync(db, ct))
        {
            db.WaitlistEntries.Add(entry);
            var mail = senders.Any() ? db.Outbox.Add(WaitlistMail.Joined(entry, page, baseUrl, clock.GetCurrentInstant())) : null;
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (IsAlreadyWaiting(ex.InnerException))
            {
                // Neither row was written; nothing of the entry that is there is read or told.
                db.Entry(entry).State = EntityState.Detached;
                if (mail is not null)
                {
                    mail.State = EntityState.Detached;
                }
                return null;
            }
        }
        outbox.Notify();
        return token;
    }

    /// <summary>The refusal of <see cref="WaitlistEntry.LiveForStaffIndex"/> or <see cref="WaitlistEntry.LiveForAnyoneIndex"/>, and nothing else.</summary>
    private static bool IsAlreadyWaiting(Exception? error) => error switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation &&
                                       pg.ConstraintName is WaitlistEntry.LiveForStaffIndex or WaitlistEntry.LiveForAnyoneIndex,
        Microsoft.Data.Sqlite.SqliteException sl => sl.SqliteErrorCode == 19 && sl.Message.Contains("WaitlistEntries.EmailKey", StringComparison.Ordinal),
        _ => false,
    };

    public async Task<WaitlistEntry?> FindAsync(string? token, CancellationToken ct) =>
        ManageTokens.LooksValid(token)
            ? await db.WaitlistEntries.AsNoTracking().FirstOrDefaultAsync(w => w.TokenHash == ManageTokens.Hash(token!), ct)
            : null;

    /// <summary>
    /// Books the time held for this entry, through the lifecycle: only the offered start, only while the hold lasts,
    /// and only while the entry still holds the offer (claimed in the same transaction). Anything else: not offered.
    /// </summary>
    public async Task<AcceptResult> AcceptAsync(WaitlistEntry entry, Instant start, MailContext mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Status != WaitlistStatus.Offered || entry.OfferBookingId is not { } held)
        {
            return new AcceptResult.NotOffered();
        }
        var catalog = await catalogs.GetAsync(db, ct);
        if (!catalog.Pages.TryGetValue(entry.PageSlug, out var page))
        {
            return new AcceptResult.NotOffered();
        }
        var id = entry.Id;
        // A service paid online (now or deposit) is paid as when booked directly (contract 4.2): Stripe is asked before anything
        // changes, for the time as offered and held; without an answer nothing changes and the offer stays open.
        CheckoutSession? checkout = null;
        var offered = await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == held, ct);
        if (offered is { Status: BookingStatus.Pending } && offered.StartsAt == start && page.Services.TryGetValue(offered.ServiceKey, out var service) &&
            Payments.PaymentCheckout.ChargesAtBooking(service.Doc) && ManageTokens.Unseal(protection, offered.ManageTokenSealed) is { } token)
        {
            checkout = await extras.OpenCheckoutAsync(offered, page, service, token, ct);
            if (checkout is null && extras.TakesPayments)
            {
                return new AcceptResult.PaymentUnavailable();
            }
        }
        var change = new Change.AcceptOffer(page, start, async (d, now, c) =>
            await d.WaitlistEntries.Where(w => w.Id == id && w.Status == WaitlistStatus.Offered && w.OfferBookingId == held)
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WaitlistStatus.Booked).SetProperty(w => w.UpdatedAt, now), c) == 1, checkout);
        var result = await lifecycle.TransitionAsync(held, change, new Actor("customer", mail, page), ct);
        if (result is not WriteResult.Done && checkout is not null)
        {
            await extras.AbandonCheckoutAsync(checkout, ct);
        }
        return result switch
        {
            WriteResult.Done done => new AcceptResult.Booked(done.Booking, ManageTokens.Unseal(protection, done.Booking.ManageTokenSealed)) { PaymentUrl = done.PaymentUrl },
            WriteResult.Missing => new AcceptResult.Missing(),
            _ => new AcceptResult.NotOffered(),
        };
    }

    /// <summary>
    /// Declines an open offer or leaves the list (<paramref name="to"/>: declined or left). The entry is let go first,
    /// so an accept racing this one finds no offer; then its held time is cancelled, which frees it for the next in line.
    /// </summary>
    public async Task<WaitlistEntry?> LetGoAsync(WaitlistEntry entry, WaitlistStatus to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var now = clock.GetCurrentInstant();
        var id = entry.Id;
        var allowed = to == WaitlistStatus.Declined ? new[] { WaitlistStatus.Offered } : [WaitlistStatus.Waiting, WaitlistStatus.Offered];
        int changed;
        using (await gate.EnterAsync(db, ct))
        {
            changed = await db.WaitlistEntries.Where(w => w.Id == id && allowed.Contains(w.Status))
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, to).SetProperty(w => w.UpdatedAt, now), ct);
        }
        var fresh = await db.WaitlistEntries.AsNoTracking().FirstOrDefaultAsync(w => w.Id == id, ct);
        // Only an entry that had an offer names a held booking; once let go its claim fails, so the hold cannot be accepted any more.
        if (changed == 1 && fresh?.OfferBookingId is { } held)
        {
            await lifecycle.ChangeStatusAsync(held, BookingStatus.Cancelled, new Actor("customer"), ct);
        }
        return changed == 1 ? fresh : null;
    }
}
