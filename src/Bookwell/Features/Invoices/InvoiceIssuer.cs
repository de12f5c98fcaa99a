using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

/// <summary>A payment already taken when the invoice is issued (a receipt for an online payment).</summary>
public sealed record InvoicePaid(decimal Amount, InvoicePaymentMethod Method, string? Note = null, string? Currency = null);

/// <summary>
/// Issues invoices. The number comes from the business's counter row, incremented by the same transaction that
/// inserts the invoice: on PostgreSQL the upsert holds the row's lock until that transaction ends, so issuers of
/// one business take their turns and a rolled-back issue gives its number back (no gap, no duplicate); on SQLite
/// the caller holds the write gate. A unique index on (tenant, number) guards it all once more. Never MAX()+1.
/// </summary>
public sealed class InvoiceIssuer(IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IEnumerable<IEmailSender> senders, CatalogCache cache,
    IConfiguration config)
{
    /// <summary>Days from issue to due date when the page's <c>settings.invoicing.dueDays</c> leaves it out
    /// (<c>Bookwell:Invoices:DueDays</c>, default 1 as issue 13 asks).</summary>
    private readonly int _dueDays = Math.Clamp(config.GetValue("Bookwell:Invoices:DueDays", 1), 0, 365);

    /// <summary>Tax rate in percent included in the prices (<c>Bookwell:Invoices:TaxRatePercent</c>, default 0).</summary>
    private readonly decimal _taxRate = Math.Clamp(config.GetValue("Bookwell:Invoices:TaxRatePercent", 0m), 0m, 100m);

    /// <summary>The installation's tax rate (percent), for lines of no service.</summary>
    public decimal TaxRate => _taxRate;

    /// <summary>The service's own <c>taxRatePercent</c>, else the installation's.</summary>
    public decimal TaxRateFor(ServiceModel? service) => service?.Doc.TaxRatePercent ?? _taxRate;

    private readonly bool _mail = senders.Any();

    /// <summary>
    /// Issues the booking's invoice inside the caller's transaction (the caller holds the SQLite write gate, and
    /// saves and commits): the counter is moved at once, the invoice, its lines, payment and e-mail are added to
    /// <paramref name="db"/> for the caller's save. A booking that already has an invoice gets that one back.
    /// With <paramref name="paid"/> the invoice is issued paid (a receipt) with that payment recorded.
    /// </summary>
    public async Task<Invoice> IssueForBookingAsync(BookwellDb db, Booking booking, CompiledPage? page, InvoicePaid? paid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        // A void invoice is no longer the booking's: a booking reopened after its cancellation, or moved, gets a new one.
        var existing = db.ChangeTracker.Entries<Invoice>().Select(e => e.Entity).FirstOrDefault(i => i.BookingId == booking.Id && i.Status != InvoiceStatus.Void)
                       ?? await db.Set<Invoice>().FirstOrDefaultAsync(i => i.BookingId == booking.Id && i.Status != InvoiceStatus.Void, ct);
        if (existing is not null)
        {
            return existing;
        }
        page ??= (await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug);
        var now = clock.GetCurrentInstant();
        var service = page?.Services.GetValueOrDefault(booking.ServiceKey);
        var zone = page?.Zone ?? DateTimeZoneProviders.Tzdb.GetZoneOrNull(booking.TimeZone) ?? DateTimeZone.Utc;
        var language = Infrastructure.TextSet.Normalize(booking.Language);
        string currency;
        List<InvoiceDraftLine> lines;
        if (Visits.Parts(booking) is { Count: > 0 } parts)
        {
            // A visit is billed as one (issue 15): one invoice, a line per part with its own service, person, time, price and tax rate.
            currency = (page is null ? null : Visits.Billing(page, booking)?.Price?.Currency) ?? paid?.Currency ?? "EUR";
            lines = [.. parts.Select(p => VisitLine(page, p, zone, language, currency))];
        }
        else
        {
            currency = service?.Doc.Price?.Currency ?? paid?.Currency ?? "EUR";
            var description = BookingLine(language, booking.ServiceName, booking.StartsAt.InZone(zone).LocalDateTime);
            lines = [new InvoiceDraftLine(description, 1m, service?.Doc.Price?.Amount ?? 0m, TaxRateFor(service))];
        }
        var draft = new InvoiceDraft(booking.PageSlug, page?.Doc.Name ?? booking.PageSlug, BusinessAddress(page), booking.CustomerName, booking.CustomerEmail,
            language, zone.Id, currency, lines, booking.Id);
        return await IssueAsync(db, draft, paid, "system", now, ct);
    }

    /// <summary>One part of a visit on its invoice: "Cut with Anna, 8 Mar 2027 11:00" at the part's price and tax rate (nothing for a part priced in another currency).</summary>
    private InvoiceDraftLine VisitLine(CompiledPage? page, VisitPartRecord part, DateTimeZone zone, string language, string currency)
    {
        var service = page?.Services.GetValueOrDefault(part.Service);
        var price = service?.Doc.Price is { Amount: { } amount } p && p.Currency == currency ? amount : 0m;
        return new InvoiceDraftLine(PartLine(language, page, part, part.StartsAt.InZone(zone).LocalDateTime), 1m, price, TaxRateFor(service));
    }

    internal static string PartLine(string language, CompiledPage? page, VisitPartRecord part, LocalDateTime when)
    {
        var staff = part.Staff is null ? null : page?.Staff.FirstOrDefault(s => s.Key == part.Staff)?.Name ?? part.Staff;
        if (staff is null)
        {
            return BookingLine(language, part.Name, when);
        }
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        return InvoiceText.Words.FormatIn(language, culture, "visit-line", part.Name, staff, when.ToString("d MMM yyyy HH:mm", culture));
    }

    /// <summary>
    /// <see cref="IssueForBookingAsync"/> in a transaction of its own, for a caller that holds none (e.g. a payment
    /// confirmed by a webhook after its own commit). Safe to repeat: the booking keeps its one invoice.
    /// </summary>
    public async Task<Invoice?> IssueForBookingInOwnTransactionAsync(BookwellDb db, Guid bookingId, InvoicePaid? paid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        for (var attempt = 1; ; attempt++)
        {
            using var _ = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var booking = await db.Bookings.FirstOrDefaultAsync(b => b.Id == bookingId, ct);
                if (booking is null)
                {
                    return null;
                }
                var invoice = await IssueForBookingAsync(db, booking, null, paid, ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                outbox.Notify();
                return invoice;
            }
            catch (DbUpdateException ex) when (attempt < 3 && Conflicts.IsLostRace(ex))
            {
                // Another request issued this booking's invoice at the same moment: the retry finds it.
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>An invoice not tied to a booking (or issued by a caller with no transaction of its own), in a transaction of its own.</summary>
    public async Task<Invoice> IssueInOwnTransactionAsync(BookwellDb db, InvoiceDraft draft, InvoicePaid? paid, string by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var invoice = await IssueAsync(db, draft, paid, by, clock.GetCurrentInstant(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Notify();
        return invoice;
    }

    /// <summary>
    /// After a booking change, inside its transaction: a booking of an invoice service that has just become confirmed gets its
    /// invoice; one just cancelled has its unpaid invoice voided (<see cref="VoidOnCancellationAsync"/>).
    /// </summary>
    public async Task AfterChangeAsync(BookwellDb db, Booking booking, CompiledPage? page, CancellationToken ct, string? by = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var entry = db.Entry(booking);
        var created = entry.State == EntityState.Added;
        if (!created && booking.Status == BookingStatus.Cancelled && entry.Property(b => b.Status).OriginalValue != BookingStatus.Cancelled)
        {
            await VoidOnCancellationAsync(db, booking, page, by, ct);
            return;
        }
        if (!created && booking.StartsAt != entry.Property(b => b.StartsAt).OriginalValue)
        {
            await ReplaceOnMoveAsync(db, booking, entry.Property(b => b.StartsAt).OriginalValue, ct);
            return;
        }
        if (!created && booking.Status == BookingStatus.Confirmed && entry.Property(b => b.Status).OriginalValue == BookingStatus.Cancelled
            && await ReopenSettledAsync(db, booking, ct))
        {
            return;
        }
        if (!(booking.Status == BookingStatus.Confirmed || (created && booking.Status == BookingStatus.InProgress)) || booking.AwaitingClientConfirmation)
        {
            return;
        }
        if (!created && entry.Property(b => b.Status).OriginalValue == BookingStatus.Confirmed)
        {
            // Confirmed before this change (a reschedule, a correction): its invoice, if any, was issued then.
            return;
        }
        page ??= (await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug);
        if (Visits.Billing(page, booking)?.Payment != "invoice")
        {
            return;
        }
        await IssueForBookingAsync(db, booking, page, null, ct);
    }

    /// <summary>
    /// The booking's live (not void) invoice with its lines and payments (the invoice.voided event carries the invoice as the
    /// API writes it), locked as a payment locks it: PostgreSQL FOR UPDATE and read again; SQLite: the caller's write gate.
    /// </summary>
    private static async Task<Invoice?> LiveInvoiceLockedAsync(BookwellDb db, Guid bookingId, CancellationToken ct)
    {
        var invoice = await db.Set<Invoice>().Include(i => i.Lines).Include(i => i.Payments)
            .FirstOrDefaultAsync(i => i.BookingId == bookingId && i.Status != InvoiceStatus.Void, ct);
        if (invoice is not null && db.IsPostgres)
        {
            await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "Invoices" WHERE "Id" = {invoice.Id} AND "TenantId" = {db.TenantId} FOR UPDATE""", ct);
            await db.Entry(invoice).ReloadAsync(ct);
        }
        return invoice;
    }

    /// <summary>
    /// A booking just cancelled whose invoice is still open. Nothing paid on it (a pay-later booking): the invoice is voided in the
    /// cancellation's transaction, its number kept (the series stays gapless), so no reminder chases money for a visit that will not
    /// happen. Part paid (a deposit, a visit's part paid online beside a part invoiced or paid at the salon, a desk part-payment):
    /// the payments stay on it as received (the ledger is append-only; what goes back follows the refund policy, with its credit
    /// note) and the unpaid rest is no longer owed: the invoice is settled, closed as <c>paid</c> with less than its total recorded
    /// (<see cref="InvoiceStatusRules.Settled"/>), so it is neither open nor overdue and asks for nothing more. Not when the client
    /// cancelled so late that the service's cancellation policy keeps part of the price and nothing was paid online (the policy of
    /// an online payment is counted on that payment, whose kept share is the fee): then the client still owes the invoice and it
    /// stays open for the business to settle or void. The invoice row is locked as a payment locks it (PostgreSQL: FOR UPDATE;
    /// SQLite: the caller's write gate), so a payment and the cancellation never both win.
    /// </summary>
    private async Task VoidOnCancellationAsync(BookwellDb db, Booking booking, CompiledPage? page, string? by, CancellationToken ct)
    {
        if (await LiveInvoiceLockedAsync(db, booking.Id, ct) is not { } invoice || invoice.Status != InvoiceStatus.Open)
        {
            return;
        }
        var now = clock.GetCurrentInstant();
        page ??= (await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug);
        var billing = Visits.Billing(page, booking);
        var paidOnline = billing?.Payment is "now" or "deposit";
        if (by == "customer" && !paidOnline && Refunds.CancellationPolicy.Share(billing?.CancellationPolicy, booking.StartsAt, now).Percent < 100)
        {
            return;
        }
        invoice.UpdatedAt = now;
        if (invoice.AmountPaid != 0)
        {
            // Settled: what was paid stays paid (never edited), the rest is written off by a credit note of its own number in the
            // credit-note series, in this transaction (the invoice is locked, so a repeated cancellation finds it settled and
            // writes nothing more); no invoice.paid event (no money came).
            invoice.Status = InvoiceStatus.Paid;
            if (invoice.Total - invoice.AmountPaid is > 0 and var rest)
            {
                await Refunds.CreditNotes.IssueWriteOffAsync(db, invoice, rest, now, _mail, ct);
            }
            return;
        }
        invoice.Status = InvoiceStatus.Void;
        await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoiceVoided, invoice, now, ct);
    }

    /// <summary>
    /// A cancelled booking reopened (staff took the cancellation back): an invoice settled by that cancellation
    /// (<see cref="VoidOnCancellationAsync"/>) is owed again, so it is open again with its payments as they were, and reminders
    /// chase the rest once more. Without this the visit would happen with the rest written off. Its write-off credit note stays as
    /// issued (a document is never edited or deleted) and is countered by a reversal note of the same series in this transaction,
    /// so the invoice's credit notes add up to nothing again and the invoice's own number keeps the debt. False when there is no such invoice.
    /// </summary>
    private async Task<bool> ReopenSettledAsync(BookwellDb db, Booking booking, CancellationToken ct)
    {
        if (await LiveInvoiceLockedAsync(db, booking.Id, ct) is not { } invoice || InvoiceStatusRules.Settled(invoice) == 0)
        {
            return false;
        }
        var now = clock.GetCurrentInstant();
        invoice.Status = InvoiceStatus.Open;
        invoice.UpdatedAt = now;
        // Invoices settled before write-offs were issued have none to counter.
        if (await Refunds.CreditNotes.OpenWriteOffAsync(db, invoice.Id, ct) is { } writeOff)
        {
            await Refunds.CreditNotes.ReverseWriteOffAsync(db, invoice, writeOff, now, _mail, ct);
        }
        return true;
    }

    /// <summary>
    /// A booking just moved to another time whose invoice names the old one. An issued invoice is never edited: when it is
    /// still open with nothing paid, it is voided (its number stays taken: the series stays gapless and the document stays
    /// on record) and a new invoice is issued in the move's transaction with the same lines, prices and client, the
    /// booking's line naming the new time, the replaced number printed on it, and e-mailed to the client. Its due date is
    /// the old one's (moving an appointment does not buy time to pay), or today when that has passed. A paid or part-paid
    /// invoice is left as it is: it records money really received for the same service and price, and voiding it would
    /// orphan its payments; the booking's history and the rescheduled e-mail carry the new time. An invoice with no line
    /// naming the old time (written by hand) has nothing to correct. Locked as a payment locks the invoice, so a payment
    /// racing the move either lands first (the invoice then stays) or finds it void.
    /// </summary>
    private async Task ReplaceOnMoveAsync(BookwellDb db, Booking booking, Instant movedFrom, CancellationToken ct)
    {
        if (await LiveInvoiceLockedAsync(db, booking.Id, ct) is not { } invoice)
        {
            return;
        }
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(invoice.TimeZone) ?? DateTimeZone.Utc;
        var before = Cut(BookingLine(invoice.Language, booking.ServiceName, movedFrom.InZone(zone).LocalDateTime), 300);
        var parts = Visits.Parts(booking);
        // A visit's invoice has a line per part, in order (IssueForBookingAsync): each names its part's new time and person.
        var visit = parts is { Count: > 0 } && invoice.Lines.Count == parts.Count;
        if (invoice.Status != InvoiceStatus.Open || invoice.AmountPaid != 0 || !(visit || invoice.Lines.Exists(l => l.Description == before)))
        {
            return;
        }
        var after = BookingLine(invoice.Language, booking.ServiceName, booking.StartsAt.InZone(zone).LocalDateTime);
        var page = visit ? (await cache.GetAsync(db, ct)).Pages.GetValueOrDefault(booking.PageSlug) : null;
        var now = clock.GetCurrentInstant();
        // Written at once (not at the caller's save): the new invoice takes the booking's one live place, which the
        // database's unique index only lets go of when the old row is void; EF does not order the two writes by it.
        await db.Set<Invoice>().Where(i => i.Id == invoice.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Void).SetProperty(i => i.UpdatedAt, now), ct);
        await db.Entry(invoice).ReloadAsync(ct);
        await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoiceVoided, invoice, now, ct);
        var lines = invoice.Lines.OrderBy(l => l.Position)
            .Select((l, i) => new InvoiceDraftLine(visit ? PartLine(invoice.Language, page, parts![i], parts[i].StartsAt.InZone(zone).LocalDateTime)
                : l.Description == before ? after : l.Description, l.Quantity, l.UnitPrice, l.TaxRate)).ToList();
        var draft = new InvoiceDraft(invoice.PageSlug, invoice.BusinessName, invoice.BusinessAddress, invoice.CustomerName, invoice.CustomerEmail,
            invoice.Language, invoice.TimeZone, invoice.Currency, lines, booking.Id, invoice.Number, invoice.DueOn, !invoice.PricesExcludeTax);
        await IssueAsync(db, draft, [], "system", now, ct);
    }

    /// <summary>The line a booking's invoice bills it with: the service and its time, in the invoice's language.</summary>
    private static string BookingLine(string language, string serviceName, LocalDateTime when)
    {
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        return InvoiceText.Words.FormatIn(language, culture, "booking-line", serviceName, when.ToString("d MMM yyyy HH:mm", culture));
    }

    /// <summary>Writes an invoice from a draft inside the caller's transaction (the caller saves and commits).</summary>
    public Task<Invoice> IssueAsync(BookwellDb db, InvoiceDraft draft, InvoicePaid? paid, string by, Instant now, CancellationToken ct) =>
        IssueAsync(db, draft, paid is null ? [] : [paid], by, now, ct);

    /// <summary>Writes an invoice from a draft with the payments already taken (a desk checkout paid in cash and by card), inside the caller's transaction.</summary>
    public async Task<Invoice> IssueAsync(BookwellDb db, InvoiceDraft draft, IReadOnlyList<InvoicePaid> payments, string by, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payments);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(draft);
        // The seller's details of the page the invoice is issued for, the same for every caller (booking, desk).
        var catalog = await cache.GetAsync(db, ct);
        var seller = InvoiceSeller.For(catalog.Pages.GetValueOrDefault(draft.PageSlug), catalog.Document);
        // The page's logo as last fetched (the database only: this runs inside the caller's transaction), kept for ever.
        var (logoUrl, logoSha) = await InvoiceLogo.AtIssueAsync(db, db.TenantId, catalog.Pages.GetValueOrDefault(draft.PageSlug)?.Doc.Branding?.LogoUrl, ct);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(draft.TimeZone) ?? DateTimeZone.Utc;
        var today = now.InZone(zone).Date;
        // Counters in one order for every issuer (the business's, then its year's): turns are taken, never crossed.
        var sequence = await NextNumberAsync(db, ct);
        var number = InvoiceSettings.IsYearly(seller.NumberPrefix)
            ? InvoiceSettings.FormatNumber(seller.NumberPrefix, today.Year, await NextYearNumberAsync(db, today.Year, ct))
            : InvoiceSettings.FormatNumber(seller.NumberPrefix, today.Year, sequence);
        // A yearly series can reach a number another prefix issued in the same form (INV-2027- set literally for a while):
        // the settings refuse such a switch (InvoiceNumberClash), but a save that raced an issue may let one through.
        // The number that exists is passed over (it is in the printed series already), never issued twice; the
        // counters are under this transaction's lock, so nobody takes it meanwhile. The unique index is the last guard.
        while (InvoiceSettings.IsYearly(seller.NumberPrefix) && await db.Set<Invoice>().AnyAsync(i => i.Number == number, ct))
        {
            number = InvoiceSettings.FormatNumber(seller.NumberPrefix, today.Year, await NextYearNumberAsync(db, today.Year, ct));
        }
        var invoice = new Invoice
        {
            Id = Ids.New(),
            TenantId = db.TenantId,
            Sequence = sequence,
            Number = number,
            BookingId = draft.BookingId,
            PageSlug = draft.PageSlug,
            BusinessName = Cut(draft.BusinessName, 200),
            BusinessAddress = (seller.Address ?? draft.BusinessAddress) is { } address ? Cut(address, 500) : null,
            LegalName = seller.LegalName,
            VatNumber = seller.VatNumber,
            RegistrationNumber = seller.RegistrationNumber,
            BankAccount = seller.BankAccount,
            Footer = seller.Footer,
            LogoUrl = logoUrl,
            LogoSha256 = logoSha,
            PricesExcludeTax = !(draft.PricesIncludeTax ?? seller.PricesIncludeTax),
            CustomerName = Cut(draft.CustomerName, 200),
            CustomerEmail = draft.CustomerEmail,
            Language = draft.Language,
            TimeZone = zone.Id,
            Status = InvoiceStatus.Open,
            IssuedOn = today,
            DueOn = draft.DueOn is { } kept ? (kept < today ? today : kept) : today.PlusDays(seller.DueDays ?? _dueDays),
            ReplacesNumber = draft.Replaces,
            Currency = draft.Currency,
            IssuedAt = now,
            UpdatedAt = now,
        };
        var position = 0;
        foreach (var l in draft.Lines)
        {
            var (total, tax) = InvoiceMoney.Line(l.Quantity, l.UnitPrice, l.TaxRate, draft.Currency, draft.PricesIncludeTax ?? seller.PricesIncludeTax);
            invoice.Lines.Add(new InvoiceLine
            {
                TenantId = invoice.TenantId,
                Position = position++,
                Description = Cut(l.Description, 300),
                Quantity = l.Quantity,
                UnitPrice = l.UnitPrice,
                TaxRate = l.TaxRate,
                Tax = tax,
                Total = total,
            });
        }
        invoice.Total = invoice.Lines.Sum(l => l.Total);
        invoice.TaxTotal = invoice.Lines.Sum(l => l.Tax);
        invoice.Subtotal = invoice.Total - invoice.TaxTotal;
        foreach (var paid in payments)
        {
            var amount = Math.Min(InvoiceMoney.Round(paid.Amount, draft.Currency), invoice.Total - invoice.AmountPaid);
            if (amount <= 0)
            {
                continue;
            }
            invoice.Payments.Add(new InvoicePayment
            {
                TenantId = invoice.TenantId,
                Amount = amount,
                Currency = draft.Currency,
                Method = paid.Method,
                Note = paid.Note,
                By = by.Length > 254 ? by[..254] : by,
                At = now,
            });
            invoice.AmountPaid += amount;
        }
        if (invoice.AmountPaid >= invoice.Total)
        {
            invoice.Status = InvoiceStatus.Paid;
            invoice.PaidAt = now;
        }
        db.Set<Invoice>().Add(invoice);
        // The shared walk-in client's address (.invalid) reaches nobody.
        if (_mail && !string.IsNullOrWhiteSpace(invoice.CustomerEmail) && invoice.CustomerEmail != Bookings.CustomerBook.WalkInEmail)
        {
            db.Outbox.Add(InvoiceMail.Compose(invoice, now, ClientPortal.PortalLinks.Deferred(catalog.Pages.GetValueOrDefault(draft.PageSlug))));
        }
        await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoiceIssued, invoice, now, ct);
        if (invoice.Status == InvoiceStatus.Paid)
        {
            await Webhooks.WebhookQueue.QueueInvoiceAsync(db, Webhooks.WebhookEvents.InvoicePaid, invoice, now, ct);
        }
        return invoice;
    }

    /// <summary>Zero-padded to six digits, so numbers sort the same as text and as numbers up to 999999 and beyond that still read in order.</summary>
    public static string FormatNumber(long sequence) => sequence.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The next number of the context's business, taken in the caller's transaction. The upsert locks the counter
    /// row on PostgreSQL until commit or rollback; SQLite runs it under the caller's write gate.
    /// </summary>
    public static async Task<long> NextNumberAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var tenant = db.TenantId;
        var rows = await db.Database.SqlQuery<long>($"""
            INSERT INTO "InvoiceCounters" ("TenantId", "Last") VALUES ({tenant}, 1)
            ON CONFLICT ("TenantId") DO UPDATE SET "Last" = "InvoiceCounters"."Last" + 1
            RETURNING "Last" AS "Value"
            """).ToListAsync(ct);
        return rows[0];
    }

    /// <summary>The next number of the business's series for <paramref name="year"/> (a prefix with {yyyy}), in the caller's transaction.</summary>
    public static async Task<long> NextYearNumberAsync(BookwellDb db, int year, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var tenant = db.TenantId;
        var rows = await db.Database.SqlQuery<long>($"""
            INSERT INTO "InvoiceYearCounters" ("TenantId", "Year", "Last") VALUES ({tenant}, {year}, 1)
            ON CONFLICT ("TenantId", "Year") DO UPDATE SET "Last" = "InvoiceYearCounters"."Last" + 1
            RETURNING "Last" AS "Value"
            """).ToListAsync(ct);
        return rows[0];
    }

    /// <summary>The seller's address when <c>settings.invoicing.address</c> leaves it out: the first active branch's, else an in-person page's location.</summary>
    public static string? BusinessAddress(CompiledPage? page)
    {
        if (page is null)
        {
            return null;
        }
        var branch = page.Doc.Branches?.FirstOrDefault(b => b.Active != false && !string.IsNullOrWhiteSpace(b.Address));
        if (branch is not null)
        {
            return string.Join(", ", new[] { branch.Address, branch.City }.Where(s => !string.IsNullOrWhiteSpace(s)));
        }
        return page.Doc.Location?.Mode is "in-person" or null ? page.Doc.Location?.Details : null;
    }

    private static string Cut(string value, int max) => value.Length > max ? value[..max] : value;
}

public sealed record InvoiceDraftLine(string Description, decimal Quantity, decimal UnitPrice, decimal TaxRate);

/// <param name="Replaces">The number of the (void) invoice this one replaces, printed on it and named in its e-mail.</param>
/// <param name="DueOn">A due date kept from the replaced invoice (today at the earliest); null: the business's terms from today.</param>
/// <param name="PricesIncludeTax">The replaced invoice's way of reading its prices, so the totals stay its own; null: the business's setting.</param>
public sealed record InvoiceDraft(string PageSlug, string BusinessName, string? BusinessAddress, string CustomerName, string CustomerEmail,
    string Language, string TimeZone, string Currency, IReadOnlyList<InvoiceDraftLine> Lines, Guid? BookingId, string? Replaces = null, LocalDate? DueOn = null,
    bool? PricesIncludeTax = null);
