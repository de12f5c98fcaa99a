using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>
/// Erasing a person (GDPR article 17), the one path for all three ways it happens: the client's "delete my
/// account" in the portal, the business's erase in the CRM (page and API), and the retention rule for inactive
/// clients. Upcoming bookings are cancelled through the lifecycle (so their time is freed and the waitlist hears of
/// it); every message to or about the person (by address, push device or booking) still waiting is withdrawn, and
/// all of them lose their address, subject and words; the bookings stay for the books (service, time, status,
/// price) but lose the name, e-mail, phone, answers and notes; waitlist entries, notes, tags, the portal account,
/// sign-in links and push devices go, organization links are revoked; the client row (and every duplicate merged into it) stays as an anonymous
/// record that nothing can sign into. One audit entry records who erased whom (ids only). Invoices are left as
/// issued: they are the business's bookkeeping, which the law keeps for years (docs/accounts.md says so). The outbox
/// worker takes each message (queued -> sending) just before it hands it to its sender, and this withdraws only queued
/// ones in the same row update, so each message is either withdrawn here or already on its way; for those on their way
/// the erasure waits, after its commit, until each is recorded (sent, or back in the queue after a failure, where it is
/// withdrawn) before it answers. So nothing goes to the person once the erasure has answered.
/// </summary>
public sealed class ClientErasure(BookwellDb db, IClock clock, SqliteWriteGate gate, BookingLifecycle lifecycle, ILogger<ClientErasure> log)
{
    /// <summary>How long an erasure waits for messages a sender holds (a send has its own time limits well below this).</summary>
    public static readonly TimeSpan InFlightWait = TimeSpan.FromMinutes(2);

    public const string ErasedName = "(deleted)";
    public const string Reason = "The client was erased.";

    public static string ErasedEmail(Guid customerId) => $"deleted-{customerId:N}@invalid";

    /// <summary>
    /// Erases the client <paramref name="customerId"/> (a merged duplicate's id erases the client it was merged
    /// into, with all its duplicates); the id erased, or null when there is no such client or it was erased before.
    /// </summary>
    public async Task<Guid?> EraseAsync(Guid customerId, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == customerId, ct);
        if (customer?.MergedIntoId is { } kept)
        {
            customer = await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == kept, ct);
        }
        if (customer is null || customer.ErasedAt is not null)
        {
            return null;
        }
        var ids = await CustomerDirectory.IdsOfAsync(db, customer.Id, ct);
        var profiles = await db.Customers.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync(ct);
        var now = clock.GetCurrentInstant();
        var open = await db.Bookings.AsNoTracking()
            .Where(b => ids.Contains(b.CustomerId) && b.EndsAt > now && b.Status != BookingStatus.Cancelled && b.Status != BookingStatus.Completed && b.Status != BookingStatus.NoShow)
            .Select(b => new { b.Id, b.Status }).ToListAsync(ct);
        foreach (var b in open.Where(b => b.Status.CanMoveTo(BookingStatus.Cancelled)))
        {
            // No client mail (Mail is null): the person asked to be forgotten.
            await lifecycle.TransitionAsync(b.Id, new Change.SetStatus(BookingStatus.Cancelled), new Actor("customer"), ct);
        }
        var bookings = await db.Bookings.AsNoTracking().Where(b => ids.Contains(b.CustomerId))
            .Select(b => new { b.Id, b.CustomerEmail, b.CustomerPhone, b.PhoneE164 }).ToListAsync(ct);
        var bookingIds = bookings.Select(b => (Guid?)b.Id).ToList();
        var to = bookings.SelectMany(a => new[] { a.CustomerEmail, a.CustomerPhone, a.PhoneE164 })
            .Concat(profiles.SelectMany(p => new[] { p.Email, p.Phone })).OfType<string>().Where(a => a.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var upper = to.Select(a => a.ToUpperInvariant()).Distinct().ToList();
        var devices = await db.ClientPushSubscriptions.AsNoTracking().Where(s => ids.Contains(s.CustomerId)).Select(s => s.Id.ToString()).ToListAsync(ct);
        var emails = upper.Where(a => a.Contains('@', StringComparison.Ordinal)).ToList();
        List<Guid> inFlight;
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Claimed first (a row lock on PostgreSQL): of two erasures racing, the second finds it erased and does nothing.
            if (await db.Customers.Where(c => c.Id == customer.Id && c.ErasedAt == null && c.MergedIntoId == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.UpdatedAt, now), ct) != 1)
            {
                await tx.RollbackAsync(ct);
                return null;
            }
            // Every message to the person (by address or device) or about one of their bookings (the staff's, a webhook's).
            var messages = db.Outbox.Where(m => upper.Contains(m.To.ToUpper()) || devices.Contains(m.To) || bookingIds.Contains(m.BookingId));
            // Queued ones, and those left sending by a node that died (lease run out); one a sender holds now is not withdrawn
            // (the worker's take and this update lock the same row on PostgreSQL, the write gate orders them on SQLite).
            await messages.Where(m => m.Status == OutboxStatus.Queued || (m.Status == OutboxStatus.Sending && (m.LockedUntil == null || m.LockedUntil < now)))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Withdrawn).SetProperty(m => m.LastError, Reason), ct);
            // Read after that update: every message of the person is now withdrawn, or taken by a sender before it and listed here.
            inFlight = await messages.Where(m => m.Status == OutboxStatus.Sending).Select(m => m.Id).ToListAsync(ct);
            await db.Outbox.Where(m => upper.Contains(m.To.ToUpper()) || devices.Contains(m.To)).ExecuteUpdateAsync(s => s.SetProperty(m => m.To, ErasedName), ct);
            await messages.ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Subject, ErasedName)
                .SetProperty(m => m.TextBody, (string?)null)
                .SetProperty(m => m.HtmlBody, (string?)null)
                .SetProperty(m => m.Ics, (string?)null)
                .SetProperty(m => m.LastError, m => m.Status == OutboxStatus.Withdrawn ? Reason : null), ct);
            foreach (var p in profiles)
            {
                // The withdrawal is part of the consent history, which names nobody and so stays (saved with the audit entry).
                Consents.Record(db, p, ConsentKind.Marketing, p.MarketingOptIn, false, ConsentSource.Erasure, now, actor);
                var erasedEmail = ErasedEmail(p.Id);
                await db.Bookings.Where(b => b.CustomerId == p.Id)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(b => b.CustomerName, ErasedName)
                        .SetProperty(b => b.CustomerEmail, erasedEmail)
                        .SetProperty(b => b.CustomerPhone, (string?)null)
                        .SetProperty(b => b.PhoneE164, (string?)null)
                        .SetProperty(b => b.AnswersJson, "{}")
                        .SetProperty(b => b.Notes, (string?)null)
                        .SetProperty(b => b.MarketingOptIn, false), ct);
                // An organization's member list and its mailings' recipient rows name the person too.
                await db.Set<Organizations.OrganizationMember>().Where(m => m.CustomerId == p.Id)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(m => m.Name, ErasedName)
                        .SetProperty(m => m.Email, erasedEmail)
                        .SetProperty(m => m.EmailNormalized, erasedEmail.ToUpperInvariant())
                        .SetProperty(m => m.MemberNumber, (string?)null)
                        .SetProperty(m => m.LinksRevokedAt, now), ct);
                // Their personal links open nothing any more (and the portal sessions they started end).
                await db.Set<Organizations.OrganizationLink>()
                    .Where(l => l.RevokedAt == null && db.Set<Organizations.OrganizationMember>().Any(m => m.Id == l.MemberId && m.CustomerId == p.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.RevokedAt, now), ct);
                await db.Set<Organizations.MailingRecipient>().Where(r => r.CustomerId == p.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, ErasedName).SetProperty(r => r.Email, erasedEmail), ct);
                await db.Customers.Where(c => c.Id == p.Id)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(c => c.Name, ErasedName)
                        .SetProperty(c => c.Email, erasedEmail)
                        .SetProperty(c => c.EmailNormalized, erasedEmail.ToUpperInvariant())
                        .SetProperty(c => c.Phone, (string?)null)
                        .SetProperty(c => c.Birthday, (LocalDate?)null)
                        .SetProperty(c => c.Gender, (string?)null)
                        .SetProperty(c => c.Address, (string?)null)
                        .SetProperty(c => c.PreferredStaffKey, (string?)null)
                        .SetProperty(c => c.MarketingOptIn, false)
                        .SetProperty(c => c.MarketingOptInAt, (Instant?)null)
                        .SetProperty(c => c.MarketingOptInSource, (ConsentSource?)null)
                        .SetProperty(c => c.ErasedAt, now)
                        .SetProperty(c => c.UpdatedAt, now), ct);
            }
            await db.WaitlistEntries.Where(w => emails.Contains(w.CustomerEmail.ToUpper())).ExecuteDeleteAsync(ct);
            await db.ClientSignInTokens.Where(t => ids.Contains(t.CustomerId)).ExecuteDeleteAsync(ct);
            await db.ClientAccounts.Where(a => ids.Contains(a.CustomerId)).ExecuteDeleteAsync(ct);
            await db.ClientPushSubscriptions.Where(s => ids.Contains(s.CustomerId)).ExecuteDeleteAsync(ct);
            await db.CustomerNotes.Where(n => ids.Contains(n.CustomerId)).ExecuteDeleteAsync(ct);
            await db.CustomerTags.Where(t => ids.Contains(t.CustomerId)).ExecuteDeleteAsync(ct);
            CrmAudit.Add(db, actor, CrmAuditAction.Erase, customer.Id, now);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        if (inFlight.Count > 0)
        {
            await SettleAsync(inFlight, ct);
        }
        return customer.Id;
    }

    /// <summary>
    /// Waits until none of <paramref name="ids"/> is held by a sender: each is recorded as sent, or it failed and went back to
    /// the queue (or its sender died and its lease ran out), and is then withdrawn here. The rows were blanked at the commit.
    /// </summary>
    private async Task SettleAsync(List<Guid> ids, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var now = clock.GetCurrentInstant();
            using (await gate.EnterAsync(db, ct))
            {
                await db.Outbox.Where(m => ids.Contains(m.Id) && (m.Status == OutboxStatus.Queued || (m.Status == OutboxStatus.Sending && (m.LockedUntil == null || m.LockedUntil < now))))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Withdrawn).SetProperty(m => m.LastError, Reason)
                        .SetProperty(m => m.LockedUntil, (Instant?)null), ct);
            }
            if (!await db.Outbox.AnyAsync(m => ids.Contains(m.Id) && m.Status == OutboxStatus.Sending, ct))
            {
                return;
            }
            if (waited.Elapsed > InFlightWait)
            {
                log.LogWarning("An erasure gave up waiting for {Count} messages a sender still holds", ids.Count);
                return;
            }
            // A sender holds them for one send; it records the outcome within moments (OutboxWorker groups for at most 250 ms).
            await Task.Delay(25, ct);
        }
    }
}
