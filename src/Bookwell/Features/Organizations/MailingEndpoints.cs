using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Organizations;

/// <summary>An additive API body: <c>id</c> makes a repeat harmless (the same id never sends twice).</summary>
public sealed class MailingRequest
{
    public string? Page { get; set; }
    public Guid? Id { get; set; }
    public string? Subject { get; set; }
    public string? Body { get; set; }
    /// <summary>all (default), not-booked or booked.</summary>
    public string? Audience { get; set; }
    /// <summary>en (default) or nl: the language of the footer and unsubscribe words.</summary>
    public string? Language { get; set; }
}

public sealed record MailingStats(Guid Id, string Subject, string Audience, string CreatedAt, int Recipients, int Delivered, int Opened, int Clicked,
    int Booked, bool TrackOpens);

public sealed record RecipientStats(Guid MemberId, string Name, string Email, string Status, string? OpenedAt, string? ClickedAt, bool Booked);

/// <summary>Mailings through the API (additive to contract 4.6) and the figures shown per mailing and per recipient.</summary>
public static class MailingEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapMailings(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var group = admin.MapGroup("/organizations/{key}/mailings").WithTags("Organizations");
        group.MapPost("", SendAsync).WithName("SendOrganizationMailing").Accepts<MailingRequest>("application/json")
            .Produces<MailingStats>(StatusCodes.Status201Created).Produces<MailingStats>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}", GetAsync).WithName("GetOrganizationMailing").Produces<MailingStats>().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<IResult> SendAsync(string key, HttpRequest request, BookwellDb db, CatalogCache cache, SqliteWriteGate gate, IClock clock,
        OutboxSignal signal, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<MailingRequest>(request, MaxBodyBytes, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var catalog = await cache.GetAsync(db, ct);
        if (body.Page is null || !catalog.Pages.TryGetValue(body.Page, out var page))
        {
            return Problems.Validation("page", "No such booking page.");
        }
        if (!page.Organizations.TryGetValue(key, out var organization))
        {
            return Problems.NotFound("No such organization on this page.");
        }
        var draft = new MailingDraft(body.Id ?? Ids.New(), body.Subject ?? "", body.Body ?? "", body.Audience ?? "all", body.Language ?? "en");
        if (draft.Id == Guid.Empty)
        {
            errors.Add("id", "Must not be the empty id.");
        }
        foreach (var (field, messages) in Mailings.Check(draft).ToDictionary())
        {
            foreach (var m in messages)
            {
                errors.Add(field, m);
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var (mailing, created) = await Mailings.SendAsync(db, gate, page, organization, draft, clock.GetCurrentInstant(), ct);
        if (mailing.PageSlug != page.Slug || mailing.OrganizationKey != organization.Key)
        {
            return Problems.Validation("id", "This id belongs to another mailing.");
        }
        signal.Notify();
        var stats = await StatsAsync(db, mailing, page.Zone, ct);
        return created ? TypedResults.Created($"/api/v1/admin/organizations/{key}/mailings/{mailing.Id}", stats) : TypedResults.Ok(stats);
    }

    private static async Task<IResult> GetAsync(string key, Guid id, BookwellDb db, CatalogCache cache, CancellationToken ct)
    {
        var mailing = await db.Mailings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id && m.OrganizationKey == key, ct);
        var catalog = await cache.GetAsync(db, ct);
        if (mailing is null)
        {
            return Problems.NotFound("No such mailing.");
        }
        var zone = catalog.Pages.TryGetValue(mailing.PageSlug, out var page) ? page.Zone : DateTimeZone.Utc;
        return TypedResults.Ok(await StatsAsync(db, mailing, zone, ct));
    }

    /// <summary>Booked: a live booking through the organization made by the member since the mailing went out.</summary>
    public static async Task<MailingStats> StatsAsync(BookwellDb db, Mailing mailing, DateTimeZone zone, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(mailing);
        var id = mailing.Id;
        var since = mailing.CreatedAt;
        var recipients = db.MailingRecipients.Where(r => r.MailingId == id);
        var delivered = await recipients.Join(db.Outbox, r => r.Id, o => o.Id, (r, o) => o.Status).CountAsync(s => s == OutboxStatus.Sent, ct);
        var opened = await recipients.CountAsync(r => r.OpenedAt != null, ct);
        var clicked = await recipients.CountAsync(r => r.ClickedAt != null, ct);
        var booked = await recipients.CountAsync(r => db.Bookings.Any(b => b.OrganizationMemberId == r.MemberId && b.Status != BookingStatus.Cancelled && b.CreatedAt >= since), ct);
        return new MailingStats(mailing.Id, mailing.Subject, mailing.Audience, TimeFormats.Format(mailing.CreatedAt, zone), mailing.Recipients, delivered,
            opened, clicked, booked, mailing.TrackOpens);
    }

    /// <summary>Each recipient's state: queued, sent, or the outbox's own word for what happened (withdrawn, parked).</summary>
    public static async Task<List<RecipientStats>> RecipientsAsync(BookwellDb db, Mailing mailing, DateTimeZone zone, int take, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(mailing);
        var id = mailing.Id;
        var since = mailing.CreatedAt;
        var rows = await db.MailingRecipients.AsNoTracking().Where(r => r.MailingId == id).OrderBy(r => r.Name).Take(take)
            .GroupJoin(db.Outbox, r => r.Id, o => o.Id, (r, o) => new { r, o })
            .SelectMany(x => x.o.DefaultIfEmpty(), (x, o) => new
            {
                x.r.MemberId,
                x.r.Name,
                x.r.Email,
                Status = o == null ? (OutboxStatus?)null : o.Status,
                x.r.OpenedAt,
                x.r.ClickedAt,
                Booked = db.Bookings.Any(b => b.OrganizationMemberId == x.r.MemberId && b.Status != BookingStatus.Cancelled && b.CreatedAt >= since),
            }).ToListAsync(ct);
        return [.. rows.Select(x => new RecipientStats(x.MemberId, x.Name, x.Email, x.Status?.ToWire() ?? "unknown",
            x.OpenedAt is { } o ? TimeFormats.Format(o, zone) : null, x.ClickedAt is { } c ? TimeFormats.Format(c, zone) : null, x.Booked))];
    }
}
