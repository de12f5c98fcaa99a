using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Bookings;

/// <summary>
/// Which messages a booking change plans and which it withdraws. Messages are written in the change's own
/// transaction (the outbox), so a change that rolls back leaves no mail behind and a committed one always has its mail.
/// </summary>
public sealed class BookingMessages(BookwellDb db, IClock clock, SqliteWriteGate gate, OutboxSignal outbox, IEnumerable<IEmailSender> senders,
    IEnumerable<ISmsSender> smsSenders, IDataProtectionProvider protection)
{
    // Without a sender for a channel nothing would ever drain its messages, so none are queued.
    public bool Mail { get; } = senders.Any();

    public bool Sms { get; } = smsSenders.Any();

    /// <summary>What a new booking sends: the confirmation (or the double opt-in request) with reminders, and the business's notices.</summary>
    public List<OutboxMessage> ForNew(Booking booking, CompiledPage page, string token, MailContext? mail, bool optIn, Instant now)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var messages = new List<OutboxMessage>();
        if (booking.WalkIn)
        {
            return messages;
        }
        if (Mail)
        {
            if (mail is not null && optIn)
            {
                messages.Add(BookingMail.Compose(MessageKind.ConfirmRequest, booking, page, token, mail, now));
            }
            else if (mail is not null)
            {
                messages.AddRange(WithReminders(MessageKind.Confirmation, booking, page, token, mail, now));
            }
            messages.AddRange(BookingMail.BusinessNotices("new", booking, page, now));
        }
        else if (Sms && !optIn && mail is not null)
        {
            messages.AddRange(SmsReminders(booking, page, token, mail, now));
        }
        return messages;
    }

    /// <summary>The client's mail about this change, plus the reminders for the (new) start that are still ahead.</summary>
    public IEnumerable<OutboxMessage> WithReminders(MessageKind kind, Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now)
    {
        KeepSealed(booking, token);
        return BookingMail.Reminders(booking, page, token, mail, now).Prepend(BookingMail.Compose(kind, booking, page, token, mail, now))
            .Concat(SmsReminders(booking, page, token, mail, now));
    }

    /// <summary>The booking's reminders only (e-mail where mail is set up, and text messages): a moved occurrence of a series, whose one mail the series sends.</summary>
    public IEnumerable<OutboxMessage> Reminders(Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now)
    {
        KeepSealed(booking, token);
        var reminders = Mail ? BookingMail.Reminders(booking, page, token, mail, now) : [];
        return reminders.Concat(SmsReminders(booking, page, token, mail, now));
    }

    /// <summary>Text-message reminders, where an SMS provider is set up, the page wants them and the number reads as E.164.</summary>
    public IEnumerable<OutboxMessage> SmsReminders(Booking booking, CompiledPage? page, string? token, MailContext mail, Instant now)
    {
        if (!Sms || page?.Doc.Settings?.SmsReminders != true || booking?.PhoneE164 is null)
        {
            return [];
        }
        KeepSealed(booking, token);
        return BookingMail.SmsReminders(booking, page, token, mail, now);
    }

    /// <summary>
    /// Stored messages hold no token: the worker opens the booking's sealed copy when it sends. A client acting with
    /// its link on a booking whose copy is missing or unreadable (made before sealed copies) leaves a fresh copy, so
    /// its link still goes out.
    /// </summary>
    private void KeepSealed(Booking booking, string? token)
    {
        if (token is not null && ManageTokens.Hash(token) == booking.ManageTokenHash && ManageTokens.Unseal(protection, booking.ManageTokenSealed) != token)
        {
            booking.ManageTokenSealed = ManageTokens.Seal(protection, token);
        }
    }

    /// <summary>Reminders not yet sent no longer fit once a booking moves or ends; their bodies are wiped too.</summary>
    public static Task WithdrawRemindersAsync(BookwellDb db, Guid bookingId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Outbox.IgnoreQueryFilters().Where(m => m.BookingId == bookingId && m.Kind == MessageKind.Reminder && m.Status == OutboxStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Withdrawn)
                .SetProperty(m => m.TextBody, (string?)null).SetProperty(m => m.HtmlBody, (string?)null), ct);
    }

    /// <summary>
    /// Sends the confirmation (with reminders) or a reminder again, with the client's own manage link from its
    /// sealed copy; queued reminders are rewritten so none goes out twice.
    /// </summary>
    public async Task<bool> ResendAsync(Guid id, string kind, CompiledPage? page, MailContext mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (!Mail)
        {
            return false;
        }
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetCurrentInstant();
        var booking = await BookingLifecycle.LockAsync(db, id, ct);
        if (booking is null || !booking.Status.IsOpen() && booking.Status != BookingStatus.InProgress)
        {
            return false;
        }
        // The client's own link when it can be opened; a booking from before sealed copies gets a new one.
        var token = ManageTokens.Unseal(protection, booking.ManageTokenSealed);
        if (token is null)
        {
            token = ManageTokens.Create();
            booking.ManageTokenHash = ManageTokens.Hash(token);
            booking.ManageTokenSealed = ManageTokens.Seal(protection, token);
        }
        booking.UpdatedAt = now;
        await WithdrawRemindersAsync(db, id, ct);
        var context = mail with { Language = booking.Language };
        if (kind == "reminder")
        {
            db.Outbox.Add(BookingMail.Compose(MessageKind.Reminder, booking, page, token, context, now));
            db.Outbox.AddRange(BookingMail.Reminders(booking, page, token, context, now));
        }
        else
        {
            db.Outbox.AddRange(WithReminders(MessageKind.Confirmation, booking, page, token, context, now));
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        outbox.Notify();
        return true;
    }
}
