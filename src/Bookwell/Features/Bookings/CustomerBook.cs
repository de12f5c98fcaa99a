using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>Clients are keyed by e-mail address, compared without case; each booking keeps the latest details.</summary>
public static class CustomerBook
{
    public static async Task<Customer> UpsertAsync(BookwellDb db, string email, string name, string? phone, bool marketingOptIn, Instant now, CancellationToken ct)
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
        Update(customer, name, phone, marketingOptIn, now);
        return customer;
    }

    public static Customer New(Guid tenantId, string email, string name, Instant now)
    {
        ArgumentNullException.ThrowIfNull(email);
        return new()
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenantId,
            Email = email,
            EmailNormalized = email.ToUpperInvariant(),
            Name = name,
            CreatedAt = now,
        };
    }

    /// <summary>The latest booking's name and phone win; a marketing opt-in, once given, stays until withdrawn.</summary>
    public static void Update(Customer customer, string name, string? phone, bool marketingOptIn, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        customer.Name = name;
        customer.Phone = phone ?? customer.Phone;
        if (marketingOptIn)
        {
            SetMarketing(customer, true, "booking", now);
        }
        customer.UpdatedAt = now;
    }

    /// <summary>The marketing consent with when and where it was given (booking, portal, admin); a withdrawal clears both.</summary>
    public static void SetMarketing(Customer customer, bool optIn, string source, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        if (optIn && !customer.MarketingOptIn)
        {
            customer.MarketingOptInAt = now;
            customer.MarketingOptInSource = source;
        }
        else if (!optIn)
        {
            customer.MarketingOptInAt = null;
            customer.MarketingOptInSource = null;
        }
        customer.MarketingOptIn = optIn;
    }
}
