using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>
/// GDPR access (article 15) and portability (article 20): everything this business holds about one person, as one
/// JSON document: the profile with its consent fields, the profiles merged into it, the portal account (whether a
/// password and a Google link exist, never the hash), every booking with its answers and history, notes, tags,
/// every message written to the person (kind, channel, address, subject, status, times: bodies are wiped once sent),
/// waitlist entries, sign-in links (when made and used, never the token) and push devices (the push service's
/// host only). Secrets (password hashes, token hashes, sealed tokens, push keys) are never part of it.
/// </summary>
public static class CustomerExport
{
    public static async Task<JsonObject?> BuildAsync(BookwellDb db, Guid id, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var c = await db.Customers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (c?.MergedIntoId is { } kept)
        {
            c = await db.Customers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == kept, ct);
        }
        if (c is null)
        {
            return null;
        }
        var merged = await db.Customers.AsNoTracking().Where(x => x.MergedIntoId == c.Id).OrderBy(x => x.CreatedAt).ToListAsync(ct);
        var profiles = merged.Prepend(c).ToList();
        var ids = profiles.Select(p => p.Id).ToList();
        var account = await db.ClientAccounts.AsNoTracking().Where(a => ids.Contains(a.CustomerId)).ToListAsync(ct);
        var bookings = await db.Bookings.AsNoTracking().Include(b => b.History).Where(b => ids.Contains(b.CustomerId)).OrderBy(b => b.StartsAt).ToListAsync(ct);
        var bookingIds = bookings.Select(b => b.Id).ToList();
        var addresses = profiles.SelectMany(p => new[] { p.Email, p.Phone })
            .Concat(bookings.SelectMany(b => new[] { b.CustomerEmail, b.CustomerPhone, b.PhoneE164 }))
            .OfType<string>().Where(a => a.Length > 0).Select(a => a.ToUpperInvariant()).Distinct().ToList();
        var devices = await db.ClientPushSubscriptions.AsNoTracking().Where(s => ids.Contains(s.CustomerId)).OrderBy(s => s.CreatedAt).ToListAsync(ct);
        var deviceIds = devices.Select(d => d.Id.ToString()).ToList();
        var messages = await db.Outbox.AsNoTracking()
            .Where(m => (m.BookingId != null && bookingIds.Contains(m.BookingId.Value)) || addresses.Contains(m.To.ToUpper()) || deviceIds.Contains(m.To))
            .Where(m => m.Channel != OutboxChannel.Webhook)
            .OrderBy(m => m.CreatedAt).ToListAsync(ct);
        var emails = addresses.Where(a => a.Contains('@', StringComparison.Ordinal)).ToList();
        var waitlist = await db.WaitlistEntries.AsNoTracking().Where(w => emails.Contains(w.CustomerEmail.ToUpper())).OrderBy(w => w.CreatedAt).ToListAsync(ct);
        var signIns = await db.ClientSignInTokens.AsNoTracking().Where(t => ids.Contains(t.CustomerId)).OrderBy(t => t.CreatedAt).ToListAsync(ct);
        var notes = await db.CustomerNotes.AsNoTracking().Where(n => ids.Contains(n.CustomerId)).OrderBy(n => n.At).ToListAsync(ct);
        var tags = await db.CustomerTags.AsNoTracking().Where(t => ids.Contains(t.CustomerId)).OrderBy(t => t.Tag).ToListAsync(ct);
        var consents = await Bookings.Consents.HistoryAsync(db, ids, ct);

        return new JsonObject
        {
            ["exportedAt"] = Iso(now),
            ["customer"] = Profile(c),
            ["mergedProfiles"] = new JsonArray([.. merged.Select(Profile)]),
            // Issue 14: every change of consent, oldest first.
            ["consentHistory"] = new JsonArray([.. consents.AsEnumerable().Reverse().Select(h => (JsonNode)new JsonObject
            {
                ["at"] = Iso(h.At),
                ["what"] = h.What.ToWire(),
                ["from"] = h.From,
                ["to"] = h.To,
                ["source"] = h.Source.ToWire(),
            })]),
            ["accounts"] = new JsonArray([.. account.Select(a => (JsonNode)new JsonObject
            {
                ["customerId"] = a.CustomerId.ToString(),
                ["hasPassword"] = a.PasswordHash is not null,
                ["passwordChangedAt"] = Iso(a.PasswordChangedAt),
                ["googleLinked"] = a.GoogleSubject is not null,
                ["createdAt"] = Iso(a.CreatedAt),
            })]),
            ["bookings"] = new JsonArray([.. bookings.Select(b => (JsonNode)new JsonObject
            {
                ["id"] = b.Id.ToString(),
                ["page"] = b.PageSlug,
                ["service"] = b.ServiceName,
                ["staff"] = b.StaffKey,
                ["branch"] = b.BranchKey,
                ["start"] = Iso(b.StartsAt),
                ["end"] = Iso(b.EndsAt),
                ["timeZone"] = b.TimeZone,
                ["status"] = b.Status.ToWire(),
                ["name"] = b.CustomerName,
                ["email"] = b.CustomerEmail,
                ["phone"] = b.CustomerPhone,
                ["answers"] = ParseOrText(b.AnswersJson),
                ["notes"] = b.Notes,
                ["marketingOptIn"] = b.MarketingOptIn,
                ["termsAcceptedAt"] = Iso(b.TermsAcceptedAt),
                ["language"] = b.Language,
                ["memberNumber"] = b.MemberNumber,
                ["createdAt"] = Iso(b.CreatedAt),
                ["history"] = new JsonArray([.. b.History.Where(h => h.Action.IsForClient()).OrderBy(h => h.At).ThenBy(h => h.Id).Select(h => (JsonNode)new JsonObject
                {
                    ["action"] = h.Action.ToWire(),
                    ["from"] = h.FromStatus?.ToWire(),
                    ["to"] = h.ToStatus.ToWire(),
                    ["previousStart"] = Iso(h.PreviousStart),
                    ["newStart"] = Iso(h.NewStart),
                    ["by"] = h.By,
                    ["at"] = Iso(h.At),
                })]),
            })]),
            ["notes"] = new JsonArray([.. notes.Select(n => (JsonNode)new JsonObject { ["text"] = n.Text, ["author"] = n.Author, ["at"] = Iso(n.At) })]),
            ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)new JsonObject { ["tag"] = t.Tag, ["at"] = Iso(t.At) })]),
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject
            {
                ["id"] = m.Id.ToString(),
                ["kind"] = m.Kind.ToWire(),
                ["channel"] = m.Channel.ToWire(),
                ["to"] = m.Channel == OutboxChannel.Push ? "push device " + m.To : m.To,
                ["subject"] = m.Subject,
                ["status"] = m.Status.ToWire(),
                ["bookingId"] = m.BookingId?.ToString(),
                ["createdAt"] = Iso(m.CreatedAt),
                ["sentAt"] = Iso(m.SentAt),
            })]),
            ["waitlist"] = new JsonArray([.. waitlist.Select(w => (JsonNode)new JsonObject
            {
                ["page"] = w.PageSlug,
                ["service"] = w.ServiceKey,
                ["date"] = w.Date,
                ["name"] = w.CustomerName,
                ["email"] = w.CustomerEmail,
                ["phone"] = w.CustomerPhone,
                ["status"] = w.Status.ToWire(),
                ["createdAt"] = Iso(w.CreatedAt),
            })]),
            ["signInLinks"] = new JsonArray([.. signIns.Select(t => (JsonNode)new JsonObject
            {
                ["createdAt"] = Iso(t.CreatedAt),
                ["expiresAt"] = Iso(t.ExpiresAt),
                ["usedAt"] = Iso(t.UsedAt),
            })]),
            ["pushDevices"] = new JsonArray([.. devices.Select(d => (JsonNode)new JsonObject
            {
                ["id"] = d.Id.ToString(),
                ["pushService"] = Uri.TryCreate(d.Endpoint, UriKind.Absolute, out var u) ? u.Host : null,
                ["createdAt"] = Iso(d.CreatedAt),
            })]),
        };
    }

    private static JsonNode Profile(Customer p) => new JsonObject
    {
        ["id"] = p.Id.ToString(),
        ["name"] = p.Name,
        ["email"] = p.Email,
        ["phone"] = p.Phone,
        ["birthday"] = p.Birthday?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["gender"] = p.Gender,
        ["address"] = p.Address,
        ["marketingOptIn"] = p.MarketingOptIn,
        ["marketingOptInAt"] = Iso(p.MarketingOptInAt),
        ["marketingOptInSource"] = p.MarketingOptInSource.ToWire(),
        ["emailReminders"] = !p.EmailRemindersOff,
        ["smsReminders"] = !p.SmsRemindersOff,
        ["erasedAt"] = Iso(p.ErasedAt),
        ["createdAt"] = Iso(p.CreatedAt),
        ["updatedAt"] = Iso(p.UpdatedAt),
    };

    private static JsonNode? ParseOrText(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static string? Iso(Instant? at) => AdminCustomerEndpoints.Iso(at);

    /// <summary>Records the export in the CRM audit log, under the kept client when <paramref name="id"/> is a merged duplicate.</summary>
    public static async Task AuditAsync(BookwellDb db, Guid id, string actor, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var kept = await db.Customers.AsNoTracking().Where(c => c.Id == id).Select(c => c.MergedIntoId ?? c.Id).FirstAsync(ct);
        await CrmAudit.RecordAsync(db, actor, CrmAuditAction.Export, kept, now, ct);
    }
}
