using Bookwell.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// The history of a client's consent (issue 14): every change of news by e-mail and of reminders by e-mail or text, from
/// wherever it is made (a booking's tick box or preferences page, the client portal, the business's CRM, an import, an
/// unsubscribe link, an erasure), is one <see cref="ConsentChange"/> row written in the same save as the change itself.
/// A choice saved unchanged writes nothing.
/// </summary>
public static class Consents
{
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<ConsentChange>(e =>
        {
            e.ToTable("ConsentChanges");
            e.HasQueryFilter(c => c.TenantId == db.TenantId);
            e.HasIndex(c => new { c.TenantId, c.CustomerId, c.At });
            e.Property(c => c.What).HasConversion(Wire<ConsentKind>.Converter).HasMaxLength(20);
            e.Property(c => c.Source).HasConversion(Wire<ConsentSource>.Converter).HasMaxLength(20);
            e.Property(c => c.By).HasMaxLength(60);
        });
    }

    /// <summary>Adds the row for one change to the context (the caller's save writes it); nothing when the value stays.</summary>
    public static void Record(BookwellDb db, Customer customer, ConsentKind what, bool from, bool to, ConsentSource source, Instant at, string? by = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(customer);
        if (from == to)
        {
            return;
        }
        db.Set<ConsentChange>().Add(new ConsentChange
        {
            Id = Ids.New(),
            TenantId = customer.TenantId,
            CustomerId = customer.Id,
            At = at,
            What = what,
            From = from,
            To = to,
            Source = source,
            By = by is { Length: > 60 } ? by[..60] : by,
        });
    }

    /// <summary>News by e-mail, set and recorded (<see cref="CustomerBook.SetMarketing(Customer, bool, ConsentSource, Instant)"/> decides the fields).</summary>
    public static void SetMarketing(BookwellDb db, Customer customer, bool optIn, ConsentSource source, Instant now, string? by = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var before = customer.MarketingOptIn;
        var mailingsBefore = customer.MailingsOffAt is null;
        CustomerBook.SetMarketing(customer, optIn, source, now);
        Record(db, customer, ConsentKind.Marketing, before, optIn, source, now, by);
        Record(db, customer, ConsentKind.Mailings, mailingsBefore, customer.MailingsOffAt is null, source, now, by);
    }

    /// <summary>
    /// An unsubscribe link: organization mailings stop (recorded even when news by e-mail was already off, which is the
    /// usual case for a member who never ticked it) and news by e-mail is withdrawn.
    /// </summary>
    public static void Unsubscribe(BookwellDb db, Customer customer, Instant now)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var mailingsBefore = customer.MailingsOffAt is null;
        customer.MailingsOffAt ??= now;
        Record(db, customer, ConsentKind.Mailings, mailingsBefore, false, ConsentSource.Mailing, now);
        SetMarketing(db, customer, false, ConsentSource.Mailing, now);
    }

    /// <summary>Reminders by e-mail and by text message, set and recorded.</summary>
    public static void SetReminders(BookwellDb db, Customer customer, bool email, bool sms, ConsentSource source, Instant now, string? by = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        Record(db, customer, ConsentKind.EmailReminders, !customer.EmailRemindersOff, email, source, now, by);
        Record(db, customer, ConsentKind.SmsReminders, !customer.SmsRemindersOff, sms, source, now, by);
        customer.EmailRemindersOff = !email;
        customer.SmsRemindersOff = !sms;
    }

    /// <summary>The history of a client and the duplicates merged into it, newest first.</summary>
    public static Task<List<ConsentChange>> HistoryAsync(BookwellDb db, List<Guid> customerIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<ConsentChange>().AsNoTracking().Where(c => customerIds.Contains(c.CustomerId))
            .OrderByDescending(c => c.At).ThenByDescending(c => c.Id).Take(500).ToListAsync(ct);
    }
}
