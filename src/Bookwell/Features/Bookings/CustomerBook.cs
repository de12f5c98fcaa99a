using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>Clients are keyed by e-mail address, compared without case; each booking keeps the latest details.</summary>
public static class CustomerBook
{
    /// <summary>
    /// The address of the one "walk-in" client of a business: walk-ins without an address all book under it. The
    /// <c>.invalid</c> top-level name is reserved (RFC 2606) and refused for everyone else (<see cref="ContactRules.IsEmail"/>),
    /// so no client can book into it, and the unique (tenant, address) index allows one per business.
    /// </summary>
    public const string WalkInEmail = "walk-in@walk-in.invalid";

    /// <summary>The client a booking is written for: the business's walk-in client for a walk-in without an address.</summary>
    public static async Task<Customer> ForBookingAsync(BookwellDb db, ValidBooking v, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(v);
        return v.WalkIn && v.CustomerEmail == WalkInEmail
            ? await WalkInAsync(db, now, ct)
            : await UpsertAsync(db, v.CustomerEmail, v.CustomerName, v.CustomerPhone, v.MarketingOptIn, now, ContactRules.RegionOf(v.Page.Zone), ct);
    }

    /// <summary>
    /// The business's walk-in client, added to the caller's transaction the first time. Writers of one business
    /// queue on its busy version (taken first in every booking transaction), so the first two walk-ins cannot both
    /// add it; should they ever, the unique (tenant, address) index refuses the second, as a fault (booking writers
    /// retry only a lost race for time, <see cref="Conflicts"/>). Its name stays "Walk-in": each booking keeps the name given.
    /// </summary>
    public static async Task<Customer> WalkInAsync(BookwellDb db, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var normalized = WalkInEmail.ToUpperInvariant();
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.EmailNormalized == normalized, ct);
        if (customer is null)
        {
            customer = New(db.TenantId, WalkInEmail, WalkInName, now);
            customer.UpdatedAt = now;
            db.Customers.Add(customer);
        }
        return customer;
    }

    /// <summary>The walk-in client's name in the client book (data, in the business's records; bookings keep their own names).</summary>
    public const string WalkInName = "Walk-in";

    public static async Task<Customer> UpsertAsync(BookwellDb db, string email, string name, string? phone, bool marketingOptIn, Instant now, string? region, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(email);
        var normalized = email.ToUpperInvariant();
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.EmailNormalized == normalized, ct);
        if (customer?.MergedIntoId is { } winner)
        {
            // A duplicate merged into another client: its address books there now.
            customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == winner, ct) ?? customer;
        }
        if (customer is null)
        {
            customer = New(db.TenantId, email, name, now);
            db.Customers.Add(customer);
        }
        Update(db, customer, name, phone, marketingOptIn, now, region);
        return customer;
    }

    public static Customer New(Guid tenantId, string email, string name, Instant now, Guid? id = null)
    {
        ArgumentNullException.ThrowIfNull(email);
        return new()
        {
            Id = id ?? Ids.New(),
            TenantId = tenantId,
            Email = email,
            EmailNormalized = email.ToUpperInvariant(),
            Name = name,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// The latest booking's name and phone win; a marketing opt-in, once given, stays until withdrawn. The phone is kept
    /// in E.164 when it can be read (its own country code, or national in <paramref name="region"/>, the page's country),
    /// as the CSV import stores it; otherwise as typed.
    /// </summary>
    public static void Update(BookwellDb db, Customer customer, string name, string? phone, bool marketingOptIn, Instant now, string? region = null) =>
        UpdateStored(db, customer, name, Normalize(phone, region), marketingOptIn, now);

    /// <summary><see cref="Update"/> with the phone already as stored (<see cref="Normalize"/>): reading a number is not free.</summary>
    public static void UpdateStored(BookwellDb db, Customer customer, string name, string? storedPhone, bool marketingOptIn, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        customer.Name = name;
        customer.Phone = storedPhone ?? customer.Phone;
        if (marketingOptIn)
        {
            Consents.SetMarketing(db, customer, true, ConsentSource.Booking, now);
        }
        customer.UpdatedAt = now;
    }

    /// <summary>A phone number as stored for a client: E.164 when it can be read, else trimmed as typed; null for none.</summary>
    public static string? Normalize(string? phone, string? region)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return null;
        }
        var raw = phone.Trim();
        return Phone.ToE164(raw, region ?? "ZZ") ?? raw;
    }

    /// <summary>
    /// The marketing consent with when and where it was given (booking, portal, admin); a withdrawal clears both. The
    /// consent and an organization's mailings are one choice: withdrawing it (the portal's or a booking's preferences,
    /// the business) stops mailings as their unsubscribe link does, and giving it again lets them come again.
    /// </summary>
    /// <remarks>Sets the fields only; the app changes consent through <see cref="Consents.SetMarketing"/>, which also records the change.</remarks>
    public static void SetMarketing(Customer customer, bool optIn, ConsentSource source, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        if (optIn && !customer.MarketingOptIn)
        {
            customer.MarketingOptInAt = now;
            customer.MarketingOptInSource = source;
        }
        else if (!optIn)
        {
            if (customer.MarketingOptIn)
            {
                customer.MailingsOffAt ??= now;
            }
            customer.MarketingOptInAt = null;
            customer.MarketingOptInSource = null;
        }
        if (optIn)
        {
            customer.MailingsOffAt = null;
        }
        customer.MarketingOptIn = optIn;
    }
}

/// <summary>Where a client gave their marketing consent (<see cref="Customer.MarketingOptInSource"/>); stored as the string each member names.</summary>
public enum ConsentSource
{
    /// <summary>The booking form's tick box.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("booking")] Booking,
    /// <summary>The client's own preferences (client portal or a booking's preferences page).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("portal")] Portal,
    /// <summary>Recorded by the business.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("admin")] Admin,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("import")] Import,
    /// <summary>The unsubscribe link of a mailing.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("mailing")] Mailing,
    /// <summary>A booking's own preferences page (the link in its mails), without signing in (issue 14: consent history).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("preferences")] Preferences,
    /// <summary>The person was erased: every consent is withdrawn (issue 14: consent history).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("erasure")] Erasure,
}
