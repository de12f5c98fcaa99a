using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// "Delete my account": upcoming bookings are cancelled through the lifecycle (so their time is freed and the
/// waitlist hears of it); messages still waiting to go to the client are withdrawn and, like every message to
/// them, keep no address or words; the bookings stay for the books (service, time, status, price) but lose the
/// name, e-mail, phone, answers and notes; waitlist entries go; the client row stays as an anonymous record that
/// nothing can sign into. Invoices are left as issued: they are the business's bookkeeping, which the law
/// keeps for years (docs/accounts.md says so to the business).
/// </summary>
public sealed class ClientErasure(BookwellDb db, IClock clock, SqliteWriteGate gate, BookingLifecycle lifecycle)
{
    public const string ErasedName = "(deleted)";

    public static string ErasedEmail(Guid customerId) => $"deleted-{customerId:N}@invalid";

    public async Task EraseAsync(Guid customerId, CancellationToken ct)
    {
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == customerId && c.ErasedAt == null, ct);
        if (customer is null)
        {
            return;
        }
        var now = clock.GetCurrentInstant();
        var open = await db.Bookings.AsNoTracking()
            .Where(b => b.CustomerId == customerId && b.EndsAt > now && b.Status != BookingStatus.Cancelled && b.Status != BookingStatus.Completed && b.Status != BookingStatus.NoShow)
            .Select(b => new { b.Id, b.Status }).ToListAsync(ct);
        foreach (var b in open.Where(b => b.Status.CanMoveTo(BookingStatus.Cancelled)))
        {
            // No client mail (Mail is null): the person asked to be forgotten.
            await lifecycle.TransitionAsync(b.Id, new Change.SetStatus(BookingStatus.Cancelled), new Actor("customer"), ct);
        }
        var erasedEmail = ErasedEmail(customerId);
        var addresses = await db.Bookings.AsNoTracking().Where(b => b.CustomerId == customerId)
            .Select(b => new { b.CustomerEmail, b.CustomerPhone, b.PhoneE164 }).ToListAsync(ct);
        var to = addresses.SelectMany(a => new[] { a.CustomerEmail, a.CustomerPhone, a.PhoneE164 })
            .Append(customer.Email).Append(customer.Phone).OfType<string>().Where(a => a.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var upper = to.Select(a => a.ToUpperInvariant()).ToList();
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await db.Outbox.Where(m => m.Status == OutboxStatus.Queued && upper.Contains(m.To.ToUpper()))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Withdrawn).SetProperty(m => m.LastError, "The client deleted their account."), ct);
            await db.Outbox.Where(m => upper.Contains(m.To.ToUpper()))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.To, "(deleted)")
                    .SetProperty(m => m.Subject, "(deleted)")
                    .SetProperty(m => m.TextBody, (string?)null)
                    .SetProperty(m => m.HtmlBody, (string?)null)
                    .SetProperty(m => m.Ics, (string?)null), ct);
            await db.Bookings.Where(b => b.CustomerId == customerId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.CustomerName, ErasedName)
                    .SetProperty(b => b.CustomerEmail, erasedEmail)
                    .SetProperty(b => b.CustomerPhone, (string?)null)
                    .SetProperty(b => b.PhoneE164, (string?)null)
                    .SetProperty(b => b.AnswersJson, "{}")
                    .SetProperty(b => b.Notes, (string?)null)
                    .SetProperty(b => b.MarketingOptIn, false), ct);
            var emails = to.Where(a => a.Contains('@', StringComparison.Ordinal)).Select(a => a.ToUpperInvariant()).ToList();
            await db.WaitlistEntries.Where(w => emails.Contains(w.CustomerEmail.ToUpper())).ExecuteDeleteAsync(ct);
            await db.ClientSignInTokens.Where(t => t.CustomerId == customerId).ExecuteDeleteAsync(ct);
            await db.ClientAccounts.Where(a => a.CustomerId == customerId).ExecuteDeleteAsync(ct);
            await db.ClientPushSubscriptions.Where(s => s.CustomerId == customerId).ExecuteDeleteAsync(ct);
            await db.CustomerNotes.Where(n => n.CustomerId == customerId).ExecuteDeleteAsync(ct);
            await db.CustomerTags.Where(t => t.CustomerId == customerId).ExecuteDeleteAsync(ct);
            await db.Customers.Where(c => c.Id == customerId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.Name, ErasedName)
                    .SetProperty(c => c.Email, erasedEmail)
                    .SetProperty(c => c.EmailNormalized, erasedEmail.ToUpperInvariant())
                    .SetProperty(c => c.Phone, (string?)null)
                    .SetProperty(c => c.Birthday, (LocalDate?)null)
                    .SetProperty(c => c.Gender, (string?)null)
                    .SetProperty(c => c.Address, (string?)null)
                    .SetProperty(c => c.MarketingOptIn, false)
                    .SetProperty(c => c.MarketingOptInAt, (Instant?)null)
                    .SetProperty(c => c.MarketingOptInSource, (Bookwell.Features.Bookings.ConsentSource?)null)
                    .SetProperty(c => c.ErasedAt, now)
                    .SetProperty(c => c.UpdatedAt, now), ct);
            await tx.CommitAsync(ct);
        }
    }
}
