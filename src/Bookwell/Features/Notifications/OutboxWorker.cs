using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;

namespace Bookwell.Features.Notifications;

/// <summary>Wakes the worker as soon as a message is queued on this node (others find it on their next poll).</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Raised with every <see cref="Notify"/>: a booking change committed (calendar connections push after it).</summary>
    public event Action? Notified;

    public void Notify() => Notify(queued: true);

    /// <param name="queued">False when the change wrote no outbox row: the calendar push still hears of it, but the worker
    /// is not woken for a claim that would find nothing new (its one-second pass still runs). Under booking load without
    /// mail or webhooks that claim ran after every group, and on SQLite it queued for the write gate the group writer needs.</param>
    public void Notify(bool queued)
    {
        Notified?.Invoke();
        if (!queued)
        {
            return;
        }
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already signalled
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}

/// <summary>
/// Sends due outbox messages. A batch is claimed by setting a lease (<c>LockedUntil</c>); on PostgreSQL the
/// claim uses <c>FOR UPDATE SKIP LOCKED</c>, so several nodes share the queue without sending anything
/// twice. Each message is then taken (status <c>sending</c>) just before it is handed to its sender; a message
/// left sending by a node that died is claimed again once its lease has run out. A failed send is retried with exponential backoff and jitter, and parked after 8 attempts.
/// Client links are rendered here, in the copy handed to the sender: stored bodies hold no manage token.
/// </summary>
public sealed class OutboxWorker(IServiceScopeFactory scopes, IClock clock, IEnumerable<IEmailSender> emailSenders, IEnumerable<ISmsSender> smsSenders,
    OutboxSignal signal, SqliteWriteGate gate, IConfiguration config, IDataProtectionProvider protection, Webhooks.WebhookSender webhooks,
    WebPushSender push, ILogger<OutboxWorker> log) : BackgroundService
{
    /// <summary>Why a reminder by mail or text is withdrawn when the client turned those off (push to their devices still goes).</summary>
    public const string TurnedOff = "The client turned these reminders off.";

    /// <summary>
    /// The channels this node can send: webhooks and Web Push always, e-mail and SMS only with a sender configured. Messages of other
    /// channels are left queued, untouched, for a node (or a restart) that can send them.
    /// </summary>
    private readonly bool _sendsEmail = emailSenders.Any();
    private readonly bool _sendsSms = smsSenders.Any();

    /// <summary>The stored names of those channels, for the PostgreSQL claim.</summary>
    private readonly string[] _channelNames =
    [
        Webhooks.WebhookQueue.Channel.ToWire(),
        OutboxChannel.Push.ToWire(),
        .. emailSenders.Any() ? new[] { OutboxChannel.Email.ToWire() } : [],
        .. smsSenders.Any() ? new[] { OutboxChannel.Sms.ToWire() } : [],
    ];

    /// <summary>How many due messages one claim takes (<c>Bookwell:Outbox:BatchSize</c>).</summary>
    private readonly int _batchSize = Math.Clamp(config.GetValue("Bookwell:Outbox:BatchSize", 200), 1, 5000);
    /// <summary>
    /// Sent messages are recorded in groups of this many (or after 250 ms), one UPDATE per group, so the
    /// bookkeeping keeps up with fast senders. A crash repeats at most the group not yet recorded plus the
    /// message in flight, each with the same Message-ID (<c>Bookwell:Outbox:MarkEvery</c>; 1 records each).
    /// </summary>
    private readonly int _markEvery = Math.Clamp(config.GetValue("Bookwell:Outbox:MarkEvery", 20), 1, 500);
    public const int MaxAttempts = 8;
    /// <summary>How long a claim holds; a node that dies mid-batch releases its messages when this runs out.</summary>
    private readonly Duration _lease = Duration.FromSeconds(config.GetValue("Bookwell:Outbox:LeaseSeconds", 120));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            if (await ManageLinks.StripStoredTokensAsync(scope.ServiceProvider.GetRequiredService<BookwellDb>(), gate, protection, stoppingToken) is > 0 and var stripped)
            {
                log.LogInformation("Removed manage tokens from {Count} stored messages written by an earlier version", stripped);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Removing manage tokens from stored messages failed");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            int sent;
            try
            {
                sent = await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Outbox pass failed");
                sent = 0;
            }
            if (sent == 0)
            {
                try
                {
                    await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims and sends one batch; returns how many messages it handled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = clock.GetCurrentInstant();
        var ids = await ClaimAsync(db, now, ct);
        if (ids.Count == 0)
        {
            return 0;
        }
        // The worker serves every tenant: messages are read by the ids this node just claimed, nothing else.
        // Messages due at the same instant go in the order they were written (version-7 ids grow with time): a booking's
        // created, rescheduled and cancelled events reach a webhook endpoint in that order.
        var batch = await db.Outbox.IgnoreQueryFilters().AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.DueAt).ThenBy(m => m.Id).ToListAsync(ct);
        var optedOut = await NotToSendAsync(db, batch, ct);
        var hooks = await Webhooks.WebhookSender.EndpointsAsync(db, batch, ct);
        foreach (var m in batch.Where(m => m.Channel == Webhooks.WebhookQueue.Channel && !hooks.ContainsKey(m.Id)))
        {
            optedOut[m.Id] = "The endpoint was removed from the webhook settings.";
        }
        // Client booking mails also go to the client's subscribed devices, as push rows queued now (sent on the next pass).
        // Not while the business's client portal is switched off: then nothing is planned and queued pushes are withdrawn.
        var portalClosed = await PushFanOut.PortalClosedAsync(scopes, batch, optedOut, ct);
        await PushFanOut.PlanAsync(db, gate, batch, optedOut, portalClosed, now, ct);
        var devices = await PushFanOut.DevicesAsync(db, batch, ct);
        foreach (var m in batch.Where(m => m.Channel == OutboxChannel.Push && !devices.ContainsKey(m.Id)))
        {
            optedOut.TryAdd(m.Id, "The device's push subscription was removed.");
        }
        var links = await LinksAsync(db, batch, optedOut, ct);
        // Portal sign-in requests: the client is looked up and the one-time link written now, into the copy that is sent.
        await ClientPortal.ClientSignIn.PrepareAsync(scopes, batch, optedOut, ct);
        // The same for /me's links (a person's bookings at every business): the address is looked up across businesses.
        await Me.PlatformSignIn.PrepareAsync(scopes, batch, optedOut, ct);
        // Organization invitations: each member's personal link is made now, into the copy that is sent.
        await Organizations.OrganizationMail.PrepareAsync(scopes, batch, optedOut, ct);
        // Mailings: each member's links (through the click redirect), the pixel and the unsubscribe link, made now.
        await Organizations.Mailings.PrepareAsync(scopes, batch, optedOut, ct);
        // "Your bookings" in mails written without the business's address at hand (invoices, organization mails): written now.
        await ClientPortal.PortalLinks.PrepareAsync(scopes, batch, optedOut, ct);
        var sent = new List<Guid>(_markEvery);
        var firstUnrecorded = 0L;
        try
        {
            foreach (var message in batch)
            {
                var id = message.Id;
                if (optedOut.TryGetValue(id, out var why))
                {
                    // Preferences and the booking are read at sending time, so a change reaches reminders queued long before.
                    using (await gate.EnterAsync(db, ct))
                    {
                        await db.Outbox.IgnoreQueryFilters().Where(m => m.Id == id).ExecuteUpdateAsync(s => s
                            .SetProperty(m => m.Status, OutboxStatus.Withdrawn).SetProperty(m => m.LastError, why)
                            .SetProperty(m => m.TextBody, (string?)null).SetProperty(m => m.HtmlBody, (string?)null).SetProperty(m => m.LockedUntil, (Instant?)null), ct);
                    }
                    continue;
                }
                // Taken just before it goes, by one conditional update (queued -> sending): the batch was read at the claim, and an
                // erasure of the client since then has withdrawn and blanked the row (ClientErasure); such a message is not sent
                // and its row is left as the erasure wrote it. The erasure and this update touch the same row, so exactly one of
                // them wins: an erasure that comes second withdraws nothing here and waits until this message is recorded (sent,
                // or back in the queue after a failure, where it withdraws it) before it answers.
                if (!await TakeAsync(db, id, ct))
                {
                    continue;
                }
                var (token, slug) = message.BookingId is { } bookingId && links.TryGetValue(bookingId, out var link) && link.TenantId == message.TenantId
                    ? (link.Token, link.Slug)
                    : ((string?)null, (string?)null);
                try
                {
                    if (message.Channel == Webhooks.WebhookQueue.Channel)
                    {
                        await webhooks.SendAsync(message, hooks[id], ct);
                    }
                    else if (message.Channel == OutboxChannel.Push)
                    {
                        var device = devices[id];
                        if (await push.SendAsync(device, WebPushSender.Payload(message), 86400, ct) == PushOutcome.Gone)
                        {
                            // The push service no longer knows this device (404/410): it is removed and the message withdrawn,
                            // together, so nobody sees the device gone while its message still counts as being sent.
                            using (await gate.EnterAsync(db, ct))
                            {
                                await using var tx = await db.Database.BeginTransactionAsync(ct);
                                await db.ClientPushSubscriptions.IgnoreQueryFilters().Where(s => s.Id == device.Id && s.TenantId == device.TenantId).ExecuteDeleteAsync(ct);
                                await db.Outbox.IgnoreQueryFilters().Where(m => m.Id == id).ExecuteUpdateAsync(s => s
                                    .SetProperty(m => m.Status, OutboxStatus.Withdrawn).SetProperty(m => m.LastError, "The push service says this subscription has expired; it was removed.")
                                    .SetProperty(m => m.LockedUntil, (Instant?)null), ct);
                                await tx.CommitAsync(ct);
                            }
                            continue;
                        }
                    }
                    else if (message.Channel == OutboxChannel.Sms)
                    {
                        var sms = smsSenders.FirstOrDefault() ?? throw new SmsException("No SMS provider is configured.");
                        await sms.SendAsync(new OutgoingSms(message.Id, message.To, ManageLinks.Render(message.TextBody, token, slug) ?? message.Subject), ct);
                    }
                    else
                    {
                        var mail = emailSenders.FirstOrDefault() ?? throw new InvalidOperationException("No e-mail server is configured.");
                        var attachment = message.Attachment is null ? null : await AttachmentAsync(scope.ServiceProvider, db, message, ct);
                        await mail.SendAsync(new OutgoingEmail(message.Id, message.To, message.Subject, ManageLinks.Render(message.TextBody, token, slug),
                            ManageLinks.Render(message.HtmlBody, token, slug), ManageLinks.RenderIcs(message.Ics, token, slug), message.IcsMethod.ToWire(),
                            message.FromName, message.ReplyTo, attachment), ct);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var attempts = message.Attempts + 1;
                    var error = ex.GetType().Name + ": " + ex.Message[..Math.Min(ex.Message.Length, 500)];
                    if (token is not null)
                    {
                        // A gateway may echo the text it refused; the error is stored, the token must not be.
                        error = error.Replace(token, ManageLinks.Placeholder, StringComparison.Ordinal);
                    }
                    var status = attempts >= MaxAttempts ? OutboxStatus.Parked : OutboxStatus.Queued;
                    var due = clock.GetCurrentInstant() + Backoff(attempts);
                    log.LogWarning("Sending outbox message {Id} failed (attempt {Attempts}): {Error}", id, attempts, ex.GetType().Name);
                    using (await gate.EnterAsync(db, ct))
                    {
                        // Only while this pass holds it: a message withdrawn meanwhile stays withdrawn.
                        await db.Outbox.IgnoreQueryFilters().Where(m => m.Id == id && m.Status == OutboxStatus.Sending).ExecuteUpdateAsync(s => s
                            .SetProperty(m => m.Attempts, attempts).SetProperty(m => m.LastError, error).SetProperty(m => m.Status, status)
                            .SetProperty(m => m.DueAt, due).SetProperty(m => m.LockedUntil, (Instant?)null), ct);
                    }
                    continue;
                }
                if (sent.Count == 0)
                {
                    firstUnrecorded = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                sent.Add(id);
                // A mailing goes to many people at once: each of its messages is recorded as soon as it is sent, so a crash
                // repeats at most the one message in flight (with the same Message-ID), never a group.
                if (sent.Count >= _markEvery || message.Kind == Organizations.Mailings.Kind ||
                    System.Diagnostics.Stopwatch.GetElapsedTime(firstUnrecorded).TotalMilliseconds >= 250)
                {
                    await RecordSentAsync(db, sent);
                }
            }
        }
        finally
        {
            // Also on shutdown: what was sent is recorded, so it is not sent again.
            await RecordSentAsync(db, sent);
        }
        return ids.Count;
    }

    /// <summary>
    /// Takes the claimed message for sending if it is still waiting (one primary-key update, under the SQLite write gate): queued,
    /// or left sending by a node that died mid-send (its lease ran out before this pass claimed it).
    /// </summary>
    private async Task<bool> TakeAsync(BookwellDb db, Guid id, CancellationToken ct)
    {
        using (await gate.EnterAsync(db, ct))
        {
            return await db.Outbox.IgnoreQueryFilters().Where(m => m.Id == id && (m.Status == OutboxStatus.Queued || m.Status == OutboxStatus.Sending))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Sending), ct) == 1;
        }
    }

    /// <summary>The file the message names, made now by the feature that owns it (the worker reads across tenants, so the tenant is passed).</summary>
    private static async Task<MailAttachment?> AttachmentAsync(IServiceProvider services, BookwellDb db, OutboxMessage message, CancellationToken ct)
    {
        var reference = message.Attachment!;
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }
        var kind = reference[..colon];
        var source = services.GetServices<IMailAttachmentSource>().FirstOrDefault(s => s.Kind == kind);
        return source is null ? null : await source.LoadAsync(db, message.TenantId, reference[(colon + 1)..], ct);
    }

    /// <summary>Marks a group of sent messages in one statement and wipes their bodies (personal details; nothing to keep once sent).</summary>
    private async Task RecordSentAsync(BookwellDb db, List<Guid> sent)
    {
        if (sent.Count == 0)
        {
            return;
        }
        var sentAt = clock.GetCurrentInstant();
        var group = sent.ToArray();
        using (await gate.EnterAsync(db, CancellationToken.None))
        {
            // Not cancellable: what was sent is recorded even while the app shuts down.
            await db.Outbox.IgnoreQueryFilters().Where(m => group.Contains(m.Id)).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sent).SetProperty(m => m.SentAt, sentAt).SetProperty(m => m.LastError, (string?)null)
                .SetProperty(m => m.TextBody, (string?)null).SetProperty(m => m.HtmlBody, (string?)null).SetProperty(m => m.Ics, (string?)null)
                .SetProperty(m => m.LockedUntil, (Instant?)null), CancellationToken.None);
        }
        sent.Clear();
    }

    /// <summary>
    /// Reminders in this batch that must not go out, with the reason: the client turned that kind off, or the
    /// booking is no longer live at the start the reminder was written for (whatever changed it, and however).
    /// </summary>
    private static async Task<Dictionary<Guid, string>> NotToSendAsync(BookwellDb db, List<OutboxMessage> batch, CancellationToken ct)
    {
        var reminders = batch.Where(m => m.Kind == MessageKind.Reminder && m.BookingId is not null).ToList();
        if (reminders.Count == 0)
        {
            return [];
        }
        var bookingIds = reminders.Select(m => m.BookingId!.Value).Distinct().ToList();
        var state = await db.Bookings.IgnoreQueryFilters().Where(b => bookingIds.Contains(b.Id))
            .Join(db.Customers.IgnoreQueryFilters(), b => b.CustomerId, c => c.Id,
                (b, c) => new { b.Id, b.Status, b.StartsAt, c.EmailRemindersOff, c.SmsRemindersOff })
            .ToDictionaryAsync(x => x.Id, ct);
        var result = new Dictionary<Guid, string>();
        foreach (var m in reminders)
        {
            if (!state.TryGetValue(m.BookingId!.Value, out var b) || !b.Status.IsOpen())
            {
                result[m.Id] = "The booking is no longer live.";
            }
            else if (m.ForStart is { } planned && planned != b.StartsAt)
            {
                result[m.Id] = "The booking has moved since this reminder was written.";
            }
            else if (m.Channel == OutboxChannel.Push)
            {
                // A subscribed device is the client's own choice for push; unsubscribing is how it stops.
            }
            else if (m.Channel == OutboxChannel.Sms ? b.SmsRemindersOff : b.EmailRemindersOff)
            {
                result[m.Id] = TurnedOff;
            }
        }
        return result;
    }

    /// <summary>
    /// The manage token (opened from the booking's sealed copy, only for this send) and page of each booking whose
    /// link a message in this batch carries. A token that cannot be opened, or no longer matches the booking's
    /// hash, is left out: the message then links to the booking page rather than to a dead link.
    /// </summary>
    private async Task<Dictionary<Guid, (Guid TenantId, string? Token, string Slug)>> LinksAsync(BookwellDb db, List<OutboxMessage> batch,
        Dictionary<Guid, string> notToSend, CancellationToken ct)
    {
        var bookingIds = batch.Where(m => m.BookingId is not null && !notToSend.ContainsKey(m.Id) && ManageLinks.Holds(m))
            .Select(m => m.BookingId!.Value).Distinct().ToList();
        if (bookingIds.Count == 0)
        {
            return [];
        }
        var rows = await db.Bookings.IgnoreQueryFilters().Where(b => bookingIds.Contains(b.Id))
            .Select(b => new { b.Id, b.TenantId, b.ManageTokenHash, b.ManageTokenSealed, b.PageSlug }).ToListAsync(ct);
        var result = new Dictionary<Guid, (Guid, string?, string)>();
        foreach (var b in rows)
        {
            var token = ManageTokens.Unseal(protection, b.ManageTokenSealed);
            if (token is null || ManageTokens.Hash(token) != b.ManageTokenHash)
            {
                token = null;
                log.LogWarning("The manage link of booking {BookingId} cannot be opened; its message links to the booking page", b.Id);
            }
            result[b.Id] = (b.TenantId, token, b.PageSlug);
        }
        // Waitlist mails name their entry instead of a booking; its link is rendered the same way.
        var entries = bookingIds.Where(id => !result.ContainsKey(id)).ToList();
        if (entries.Count > 0)
        {
            foreach (var (id, tenantId, token, slug) in await Waitlist.WaitlistMail.LinksAsync(db, protection, entries, ct))
            {
                result[id] = (tenantId, token, slug);
            }
        }
        return result;
    }

    /// <summary>2^attempt seconds (capped at an hour) plus up to 20 % jitter, so retries of many messages spread out.</summary>
    public static Duration Backoff(int attempt)
    {
        var seconds = Math.Min(3600, Math.Pow(2, attempt));
        return Duration.FromSeconds(seconds * (1 + (Random.Shared.NextDouble() * 0.2)));
    }

    private async Task<List<Guid>> ClaimAsync(BookwellDb db, Instant now, CancellationToken ct)
    {
        var until = now + _lease;
        if (db.IsPostgres)
        {
            return await db.Database.SqlQueryRaw<Guid>("""
                UPDATE "OutboxMessages" SET "LockedUntil" = @until
                WHERE "Id" IN (
                    SELECT "Id" FROM "OutboxMessages"
                    WHERE "Status" IN ('queued', 'sending') AND "DueAt" <= @now AND ("LockedUntil" IS NULL OR "LockedUntil" < @now)
                      AND "Channel" = ANY(@channels)
                    ORDER BY "DueAt", "Id" LIMIT @limit
                    FOR UPDATE SKIP LOCKED)
                RETURNING "Id" AS "Value"
                """, new NpgsqlParameter("until", until), new NpgsqlParameter("now", now), new NpgsqlParameter("limit", _batchSize),
                new NpgsqlParameter("channels", _channelNames)).ToListAsync(ct);
        }
        // SQLite serves one node; the write gate makes select-then-lease atomic here.
        using (await gate.EnterAsync(db, ct))
        {
            var ids = await db.Outbox.IgnoreQueryFilters()
                .Where(m => (m.Status == OutboxStatus.Queued || m.Status == OutboxStatus.Sending) && m.DueAt <= now && (m.LockedUntil == null || m.LockedUntil < now) && (m.Channel == OutboxChannel.Webhook || m.Channel == OutboxChannel.Push || (_sendsEmail && m.Channel == OutboxChannel.Email) || (_sendsSms && m.Channel == OutboxChannel.Sms)))
                .OrderBy(m => m.DueAt).ThenBy(m => m.Id).Select(m => m.Id).Take(_batchSize).ToListAsync(ct);
            if (ids.Count > 0)
            {
                await db.Outbox.IgnoreQueryFilters().Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, until), ct);
            }
            return ids;
        }
    }
}
