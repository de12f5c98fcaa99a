using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

/// <summary>
/// Page setting <c>settings.invoiceReminders</c>: <c>{ "beforeDueDays": [3], "afterDueDays": [1, 7] }</c>: an e-mail
/// to the client that many days before the due date of an unpaid invoice, and that many days after it (overdue); also
/// a text message at the same moments when the page sends SMS (<c>settings.smsReminders</c>, an SMS provider set up)
/// and the invoice's booking has the client's mobile number. Absent: no reminders.
/// </summary>
public sealed class InvoiceRemindersDoc
{
    public List<int>? BeforeDueDays { get; set; }
    public List<int>? AfterDueDays { get; set; }
}

/// <summary>
/// Sends payment reminders for unpaid invoices (open, of no cancelled booking) through the outbox. Each reminder (invoice, before/after, days)
/// has an outbox id derived from what it is, so the database takes it once however often the pass runs, on
/// however many nodes. A reminder missed (the app was down) is still sent up to two days late, never later.
/// </summary>
public sealed class InvoiceReminders(IServiceScopeFactory scopes, IClock clock, OutboxSignal outbox, IEnumerable<IEmailSender> senders,
    IEnumerable<ISmsSender> smsSenders)
{
    public const MessageKind Kind = MessageKind.InvoiceReminder;
    public const int MaxDays = 90;
    private static readonly int CatchUpDays = 2;

    public static void Validate(Errors e, string path, InvoiceRemindersDoc? doc)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (doc is null)
        {
            return;
        }
        foreach (var (name, list) in new[] { ("beforeDueDays", doc.BeforeDueDays), ("afterDueDays", doc.AfterDueDays) })
        {
            if (list is null)
            {
                continue;
            }
            if (list.Count > 5)
            {
                e.Add($"{path}.{name}", "At most 5 reminders.");
                continue;
            }
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] < (name == "afterDueDays" ? 1 : 0) || list[i] > MaxDays)
                {
                    e.Add($"{path}.{name}[{i}]", name == "afterDueDays" ? $"Whole days after the due date, 1 to {MaxDays}." : $"Whole days before the due date, 0 to {MaxDays}.");
                }
            }
        }
    }

    /// <summary>One pass over every business's open invoices; the number of reminders queued.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var email = senders.Any();
        var sms = smsSenders.Any();
        if (!email && !sms)
        {
            return 0;
        }
        var now = clock.GetCurrentInstant();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var cache = scope.ServiceProvider.GetRequiredService<CatalogCache>();
        var today = now.InUtc().Date;
        var earliest = today.PlusDays(-(MaxDays + CatchUpDays + 1));
        var latest = today.PlusDays(MaxDays + 1);
        // Open ones only, and none of a cancelled booking: a visit that will not happen is never chased for money, even when its invoice
        // stays open for a fee the business may still settle by hand.
        var open = await db.Set<Invoice>().IgnoreQueryFilters().AsNoTracking().Where(i => i.Status == InvoiceStatus.Open && i.DueOn >= earliest && i.DueOn <= latest)
            .Where(i => i.BookingId == null || !db.Bookings.IgnoreQueryFilters().Any(b => b.Id == i.BookingId && b.TenantId == i.TenantId && b.Status == BookingStatus.Cancelled))
            .OrderBy(i => i.TenantId).Take(5000).ToListAsync(ct);
        var queued = 0;
        foreach (var group in open.GroupBy(i => i.TenantId))
        {
            db.TenantId = group.Key;
            var catalog = await cache.GetAsync(db, ct);
            // The client's mobile number from each invoice's booking, unless the client turned text reminders off.
            var phones = sms ? await PhonesAsync(db, [.. group.Where(i => i.BookingId is not null && catalog.Pages.GetValueOrDefault(i.PageSlug)?.Doc.Settings?.SmsReminders == true)
                .Select(i => i.BookingId!.Value)], ct) : [];
            foreach (var invoice in group)
            {
                var settings = catalog.Pages.GetValueOrDefault(invoice.PageSlug)?.Doc.Settings?.InvoiceReminders;
                var mailTo = email && !string.IsNullOrWhiteSpace(invoice.CustomerEmail) && invoice.CustomerEmail != CustomerBook.WalkInEmail;
                var phone = invoice.BookingId is { } booking ? phones.GetValueOrDefault(booking) : null;
                if (settings is null || (!mailTo && phone is null))
                {
                    continue;
                }
                var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(invoice.TimeZone) ?? DateTimeZone.Utc;
                var local = now.InZone(zone).Date;
                var due = new List<(string Kind, int Days)>();
                due.AddRange((settings.BeforeDueDays ?? []).Select(d => ("before", d)).Where(x => InWindow(invoice.DueOn.PlusDays(-x.d), local)));
                due.AddRange((settings.AfterDueDays ?? []).Select(d => ("after", d)).Where(x => InWindow(invoice.DueOn.PlusDays(x.d), local)));
                // Only the latest reminder that is due, so catching up never sends three at once.
                if (due.Count == 0)
                {
                    continue;
                }
                var pick = due.OrderBy(x => x.Kind == "before" ? invoice.DueOn.PlusDays(-x.Days) : invoice.DueOn.PlusDays(x.Days)).Last();
                if (mailTo && await QueueAsync(db, Compose(ReminderId(invoice.Id, pick.Kind, pick.Days), invoice, pick.Kind, now), ct))
                {
                    queued++;
                }
                if (phone is not null && await QueueAsync(db, ComposeSms(ReminderId(invoice.Id, "sms-" + pick.Kind, pick.Days), invoice, pick.Kind, phone, now), ct))
                {
                    queued++;
                }
            }
        }
        if (queued > 0)
        {
            outbox.Notify();
        }
        return queued;
    }

    private static bool InWindow(LocalDate target, LocalDate today) => target <= today && today <= target.PlusDays(CatchUpDays);

    /// <summary>The outbox id of one reminder: the same invoice, kind and days always give the same id.</summary>
    public static Guid ReminderId(Guid invoiceId, string kind, int days)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"invoice-reminder:{invoiceId:N}:{kind}:{days}")));
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>The E.164 number of each booking's client who has not turned text reminders off.</summary>
    private static async Task<Dictionary<Guid, string>> PhonesAsync(BookwellDb db, List<Guid> bookings, CancellationToken ct)
    {
        if (bookings.Count == 0)
        {
            return [];
        }
        var rows = await db.Bookings.AsNoTracking().Where(b => bookings.Contains(b.Id) && b.PhoneE164 != null)
            .GroupJoin(db.Customers.AsNoTracking(), b => b.CustomerId, c => c.Id, (b, c) => new { b, c })
            .SelectMany(x => x.c.DefaultIfEmpty(), (x, c) => new { x.b.Id, x.b.PhoneE164, Off = c != null && c.SmsRemindersOff })
            .ToListAsync(ct);
        return rows.Where(r => !r.Off).ToDictionary(r => r.Id, r => r.PhoneE164!);
    }

    private static async Task<bool> QueueAsync(BookwellDb db, OutboxMessage message, CancellationToken ct)
    {
        var id = message.Id;
        if (await db.Outbox.IgnoreQueryFilters().AnyAsync(m => m.Id == id, ct))
        {
            return false;
        }
        db.ChangeTracker.Clear();
        db.Outbox.Add(message);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex))
        {
            // Another node queued the same reminder a moment ago.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    public static OutboxMessage Compose(Guid id, Invoice invoice, string kind, Instant now)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var language = invoice.Language;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        string F(string key, params object[] args) => RefundText.Words.FormatIn(language, culture, key, args);
        var dueOn = invoice.DueOn.ToString("d MMMM yyyy", culture);
        var total = InvoiceMoney.Format(invoice.Total, invoice.Currency, culture);
        var left = InvoiceMoney.Format(invoice.Total - invoice.AmountPaid, invoice.Currency, culture);
        var subject = F(kind == "before" ? "reminder-subject-before" : "reminder-subject-after", invoice.Number, dueOn).ReplaceLineEndings(" ");
        var lines = new[]
        {
            F("reminder-hello", invoice.CustomerName),
            F(kind == "before" ? "reminder-before" : "reminder-after", invoice.Number, invoice.BusinessName, total, dueOn),
            F("reminder-due", left),
            F("reminder-thanks"),
            invoice.BusinessName,
        };
        static string H(string s) => WebUtility.HtmlEncode(s);
        var html = $"<!DOCTYPE html><html lang=\"{language}\"><body style=\"margin:0;font-family:system-ui,Segoe UI,Roboto,sans-serif;color:#1f2937\">" +
                   $"<div style=\"padding:20px;max-width:560px\">{string.Concat(lines.Select(l => $"<p>{H(l)}</p>"))}</div></body></html>";
        return new OutboxMessage
        {
            Id = id,
            TenantId = invoice.TenantId,
            BookingId = invoice.BookingId,
            Kind = Kind,
            To = invoice.CustomerEmail,
            FromName = invoice.BusinessName,
            Subject = subject.Length > 300 ? subject[..300] : subject,
            TextBody = string.Join("\n\n", lines) + "\n",
            HtmlBody = html,
            Attachment = $"invoice:{invoice.Id:N}",
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }

    /// <summary>The text-message reminder at the same moment: short, without a link, what is owed and by when.</summary>
    public static OutboxMessage ComposeSms(Guid id, Invoice invoice, string kind, string phone, Instant now)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var language = invoice.Language;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        var text = RefundText.Words.FormatIn(language, culture, kind == "before" ? "reminder-sms-before" : "reminder-sms-after", invoice.BusinessName, invoice.Number,
            InvoiceMoney.Format(invoice.Total - invoice.AmountPaid, invoice.Currency, culture), invoice.DueOn.ToString("d MMM yyyy", culture)).ReplaceLineEndings(" ");
        return new OutboxMessage
        {
            Id = id,
            TenantId = invoice.TenantId,
            BookingId = invoice.BookingId,
            Kind = Kind,
            Channel = OutboxChannel.Sms,
            To = phone,
            Subject = text.Length > 300 ? text[..300] : text,
            TextBody = text,
            Status = OutboxStatus.Queued,
            DueAt = now,
            CreatedAt = now,
        };
    }
}

/// <summary>Runs the reminder pass about once an hour.</summary>
public sealed class InvoiceReminderWorker(InvoiceReminders reminders, ILogger<InvoiceReminderWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                await reminders.RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Invoice reminder pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
