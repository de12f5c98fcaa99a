using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Bookwell.Features.Admin;

public sealed record CustomerItem(Guid Id, string Name, string Email, string? Phone, bool MarketingOptIn, string? MarketingOptInAt,
    IReadOnlyList<string> Tags, int Bookings, int Visits, int NoShows, string? LastVisit)
{
    /// <summary>Additive (issue 14): the loyalty tier, <c>new</c>, <c>returning</c>, <c>regular</c> or <c>vip</c>.</summary>
    public string Tier { get; init; } = "new";
}

public sealed record CustomerList(IReadOnlyList<CustomerItem> Items, int Total, int Page, int Limit);

public sealed record NoteView(Guid Id, string Text, string Author, string At);

public sealed record CustomerDetail(Guid Id, string Name, string Email, string? Phone, bool MarketingOptIn, string? MarketingOptInAt,
    string? MarketingOptInSource, IReadOnlyList<string> Tags, int Bookings, int Visits, int NoShows, int Cancelled, string? LastVisit,
    IReadOnlyList<MoneyView> TotalSpent, IReadOnlyList<NoteView> Notes, string CreatedAt)
{
    /// <summary>Additive (issue 15): the staff key a booking for anyone goes to first whenever able; null for none.</summary>
    public string? PreferredStaff { get; init; }

    /// <summary>Additive (issue 14): the loyalty tier, <c>new</c>, <c>returning</c>, <c>regular</c> or <c>vip</c>.</summary>
    public string Tier { get; init; } = "new";

    /// <summary>Additive (issue 14): of <see cref="Cancelled"/>, those cancelled inside the service's cancellation-policy window.</summary>
    public int LateCancelled { get; init; }

    /// <summary>Additive (issue 14): reminders by e-mail and by text message are on (the client's own choice or the business's record of it).</summary>
    public bool EmailReminders { get; init; } = true;

    public bool SmsReminders { get; init; } = true;

    /// <summary>Additive (issue 14): every change of the client's consent, newest first (at most 500).</summary>
    public IReadOnlyList<ConsentChangeView> ConsentHistory { get; init; } = [];
}

/// <summary>
/// One change of consent: <c>what</c> is <c>marketing</c>, <c>email-reminders</c> or <c>sms-reminders</c>; <c>source</c> is
/// <c>booking</c>, <c>portal</c>, <c>preferences</c> (a booking's preferences page), <c>admin</c>, <c>import</c>, <c>mailing</c> (an
/// unsubscribe link) or <c>erasure</c>; <c>by</c> names the business's user or API key for <c>admin</c> and <c>import</c>.
/// </summary>
public sealed record ConsentChangeView(string At, string What, bool From, bool To, string Source, string? By);

public sealed class NoteRequest
{
    public string? Text { get; set; }
}

public sealed class TagRequest
{
    public string? Tag { get; set; }
}

/// <summary>Additive (issue 14): one tag for many clients, at most <see cref="CustomerDirectory.MaxBulk"/>.</summary>
public sealed class BulkTagRequest
{
    public List<string?>? Ids { get; set; }
    public string? Tag { get; set; }
}

/// <summary>What a bulk tag did: the clients tagged, and the ids that are no client of this business (left alone).</summary>
public sealed record BulkTagResult(string Tag, IReadOnlyList<Guid> Tagged, IReadOnlyList<Guid> NotFound);

public sealed class MergeRequest
{
    /// <summary>The duplicate to merge into the client of the path.</summary>
    public string? From { get; set; }
}

/// <summary>The CRM through the admin API (an extension of contract section 4; see docs/api.md): list, one client, notes, tags, merge.</summary>
public static class AdminCustomerEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static RouteGroupBuilder MapAdminCustomers(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var customers = admin.MapGroup("/customers").WithTags("Admin customers");
        customers.MapGet("", List).WithName("ListCustomers");
        customers.MapGet("/{id}", GetOne).WithName("GetCustomer");
        customers.MapPost("/{id}/notes", AddNote).WithName("AddCustomerNote").Accepts<NoteRequest>("application/json");
        customers.MapPost("/tags", AddTagToMany).WithName("TagCustomers").Accepts<BulkTagRequest>("application/json");
        customers.MapPost("/{id}/tags", AddTag).WithName("TagCustomer").Accepts<TagRequest>("application/json");
        customers.MapDelete("/{id}/tags/{tag}", RemoveTag).WithName("UntagCustomer");
        customers.MapPost("/{id}/merge", Merge).WithName("MergeCustomers").Accepts<MergeRequest>("application/json");
        customers.MapGet("/{id}/export", Export).WithName("ExportCustomer");
        customers.MapPost("/{id}/erase", Erase).WithName("EraseCustomer");
        customers.MapGet("/audit", CrmAudit.ListAsync).WithName("CustomerAuditLog");
        // No Accepts<>() here: routing would answer 415 to a wrong content type before authorization has refused the caller.
        customers.MapPost("/import", CustomerImport.ImportEndpointAsync).WithName("ImportCustomers");
        return admin;
    }

    public static string? Iso(Instant? at) => at is { } i ? InstantPattern.ExtendedIso.Format(i) : null;

    public static DateTimeZone ZoneOf(TenantCatalog catalog) => catalog.Pages.Values.FirstOrDefault()?.Zone ?? DateTimeZone.Utc;

    private static async Task<Results<Ok<CustomerList>, ProblemHttpResult>> List(string? query, string? tag, string? noShows, string? lastVisitBefore,
        string? lastVisitAfter, string? marketing, string? sort, string? tier, string? page, string? limit, BookwellDb db, CatalogCache cache, IClock clock, CancellationToken ct)
    {
        var e = new Errors();
        var filter = CustomerFilter.Read(query, tag, noShows, lastVisitBefore, lastVisitAfter, marketing, sort, e, tier);
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            e.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
        }
        var number = 1;
        if (page is not null && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 1_000_000))
        {
            e.Add("page", "Must be a whole number from 1.");
        }
        if (e.Any)
        {
            return Problems.Validation(e);
        }
        var catalog = await cache.GetAsync(db, ct);
        var rows = CustomerDirectory.Query(db, filter, clock.GetCurrentInstant(), ZoneOf(catalog), null, LoyaltyTiers.Of(catalog));
        var total = await rows.CountAsync(ct);
        var items = await rows.Skip((number - 1) * take).Take(take).ToListAsync(ct);
        var tags = await CustomerDirectory.TagsOfAsync(db, items.Select(r => r.Customer.Id).ToList(), ct);
        return TypedResults.Ok(new CustomerList([.. items.Select(r => Item(r, tags.GetValueOrDefault(r.Customer.Id) ?? []))], total, number, take));
    }

    public static CustomerItem Item(CustomerRow r, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(r);
        var c = r.Customer;
        return new CustomerItem(c.Id, c.Name, c.Email, c.Phone, c.MarketingOptIn, Iso(c.MarketingOptInAt), tags, r.Bookings, r.Visits, r.NoShows, Iso(r.LastVisit))
        {
            Tier = r.Tier.ToWire(),
        };
    }

    private static async Task<Customer?> FindAsync(BookwellDb db, string id, CancellationToken ct) =>
        RouteIds.TryParse(id, out var guid) ? await db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == guid, ct) : null;

    public static async Task<CustomerDetail> DetailAsync(BookwellDb db, Customer c, Instant now, TenantCatalog catalog, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(c);
        var ids = await CustomerDirectory.IdsOfAsync(db, c.Id, ct);
        var figures = await CustomerDirectory.FiguresAsync(db, ids, now, catalog, ct);
        var tags = await db.CustomerTags.AsNoTracking().Where(t => t.CustomerId == c.Id).OrderBy(t => t.Tag).Select(t => t.Tag).ToListAsync(ct);
        var notes = await db.CustomerNotes.AsNoTracking().Where(n => n.CustomerId == c.Id).OrderByDescending(n => n.At).ThenByDescending(n => n.Id).ToListAsync(ct);
        return new CustomerDetail(c.Id, c.Name, c.Email, c.Phone, c.MarketingOptIn, Iso(c.MarketingOptInAt), c.MarketingOptInSource.ToWire(), tags,
            figures.Bookings, figures.Visits, figures.NoShows, figures.Cancelled, Iso(figures.LastVisit), figures.TotalSpent,
            [.. notes.Select(n => new NoteView(n.Id, n.Text, n.Author, Iso(n.At)!))], Iso(c.CreatedAt)!)
        {
            PreferredStaff = c.PreferredStaffKey,
            Tier = figures.Tier.ToWire(),
            LateCancelled = figures.LateCancelled,
            EmailReminders = !c.EmailRemindersOff,
            SmsReminders = !c.SmsRemindersOff,
            ConsentHistory = [.. (await Bookings.Consents.HistoryAsync(db, ids, ct))
                .Select(h => new ConsentChangeView(Iso(h.At)!, h.What.ToWire(), h.From, h.To, h.Source.ToWire(), h.By))],
        };
    }

    private static async Task<Results<Ok<CustomerDetail>, ProblemHttpResult>> GetOne(string id, BookwellDb db, CatalogCache cache, IClock clock, CancellationToken ct)
    {
        var c = await FindAsync(db, id, ct);
        if (c?.MergedIntoId is { } winner)
        {
            c = await db.Customers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == winner, ct);
        }
        return c is null ? Problems.NotFound("No such customer.") : TypedResults.Ok(await DetailAsync(db, c, clock.GetCurrentInstant(), await cache.GetAsync(db, ct), ct));
    }

    /// <summary>Everything held about the person, as one JSON file (GDPR access and portability; see <see cref="CustomerExport"/>).</summary>
    private static async Task<IResult> Export(string id, HttpContext http, BookwellDb db, IClock clock, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        if (!RouteIds.TryParse(id, out var guid) || await CustomerExport.BuildAsync(db, guid, now, ct) is not { } document)
        {
            return Problems.NotFound("No such customer.");
        }
        await CustomerExport.AuditAsync(db, guid, CrmAudit.ActorOf(http), now, ct);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"customer-{guid:N}.json\"";
        return Results.Text(document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), "application/json; charset=utf-8");
    }

    /// <summary>
    /// GDPR erasure through <see cref="ClientErasure"/>: <c>204</c> when the person is erased (or was before); an id of a
    /// merged duplicate erases the client it was merged into. Unknown or another business's id → <c>404</c>.
    /// </summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> Erase(string id, HttpContext http, BookwellDb db, ClientErasure erasure, CancellationToken ct)
    {
        if (await FindAsync(db, id, ct) is not { } c)
        {
            return Problems.NotFound("No such customer.");
        }
        await erasure.EraseAsync(c.Id, CrmAudit.ActorOf(http), ct);
        return TypedResults.NoContent();
    }

    /// <summary>A note's text: required, at most 2,000 characters, no control characters but line breaks and tabs.</summary>
    public static string? ValidNote(string? text, Errors e, string field = "text")
    {
        ArgumentNullException.ThrowIfNull(e);
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t))
        {
            e.Add(field, "Required.");
            return null;
        }
        if (t.Length > CustomerDirectory.MaxNote)
        {
            e.Add(field, $"At most {CustomerDirectory.MaxNote} characters.");
            return null;
        }
        if (t.Any(ch => char.IsControl(ch) && ch is not '\n' and not '\r' and not '\t') || t.Any(char.IsSurrogate) && !IsWellFormed(t))
        {
            e.Add(field, "Contains characters that are not text.");
            return null;
        }
        return t;
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<Results<Created<NoteView>, ProblemHttpResult>> AddNote(string id, HttpRequest request, BookwellDb db, IClock clock, CancellationToken ct)
    {
        var c = await FindAsync(db, id, ct);
        if (c is null || c.MergedIntoId is not null || c.ErasedAt is not null)
        {
            return Problems.NotFound("No such customer.");
        }
        var (body, errors) = await JsonBody.ReadAsync<NoteRequest>(request, 16_384, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (ValidNote(body.Text, errors) is not { } text)
        {
            return Problems.Validation(errors);
        }
        var note = await CustomerDirectory.AddNoteAsync(db, c.Id, text, "api", clock.GetCurrentInstant(), ct);
        return note is null
            ? Problems.NotFound("No such customer.")
            : TypedResults.Created($"/api/v1/admin/customers/{c.Id}", new NoteView(note.Id, note.Text, note.Author, Iso(note.At)!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AddTag(string id, HttpRequest request, BookwellDb db, SqliteWriteGate gate, IClock clock, CancellationToken ct)
    {
        var c = await FindAsync(db, id, ct);
        if (c is null || c.MergedIntoId is not null || c.ErasedAt is not null)
        {
            return Problems.NotFound("No such customer.");
        }
        var (body, errors) = await JsonBody.ReadAsync<TagRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (CustomerDirectory.NormalizeTag(body.Tag) is not { } tag)
        {
            return Problems.Validation("tag", CustomerDirectory.TagRule);
        }
        return await CustomerDirectory.TagAsync(db, gate, c.Id, tag, clock.GetCurrentInstant(), ct) ? TypedResults.NoContent() : Problems.NotFound("No such customer.");
    }

    /// <summary>
    /// <c>POST /customers/tags</c> <c>{ "ids": [...], "tag": "..." }</c>: the tag on every client named (1 to 500 ids, the tag
    /// rules of the single tag); ids of no client here (another business's, merged, erased) come back in <c>notFound</c>.
    /// </summary>
    private static async Task<Results<Ok<BulkTagResult>, ProblemHttpResult>> AddTagToMany(HttpRequest request, BookwellDb db, SqliteWriteGate gate, IClock clock, CancellationToken ct)
    {
        var (body, errors) = await JsonBody.ReadAsync<BulkTagRequest>(request, 64 * 1024, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        var ids = new List<Guid>();
        if (body.Ids is not { Count: > 0 } list)
        {
            errors.Add("ids", "Required: a list of 1 to " + CustomerDirectory.MaxBulk + " client ids.");
        }
        else if (list.Count > CustomerDirectory.MaxBulk)
        {
            errors.Add("ids", $"At most {CustomerDirectory.MaxBulk} ids at once.");
        }
        else
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (Guid.TryParse(list[i], out var guid)) { ids.Add(guid); } else { errors.Add($"ids[{i}]", "Must be a client id."); }
            }
        }
        var tag = CustomerDirectory.NormalizeTag(body.Tag);
        if (tag is null)
        {
            errors.Add("tag", CustomerDirectory.TagRule);
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var (tagged, notFound) = await CustomerDirectory.TagManyAsync(db, gate, ids, tag!, clock.GetCurrentInstant(), ct);
        return TypedResults.Ok(new BulkTagResult(tag!, tagged, notFound));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveTag(string id, string tag, BookwellDb db, CancellationToken ct)
    {
        var c = await FindAsync(db, id, ct);
        if (c is null || c.MergedIntoId is not null)
        {
            return Problems.NotFound("No such customer.");
        }
        if (CustomerDirectory.NormalizeTag(tag) is not { } normalized)
        {
            return Problems.Validation("tag", CustomerDirectory.TagRule);
        }
        await CustomerDirectory.UntagAsync(db, c.Id, normalized, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<CustomerDetail>, ProblemHttpResult>> Merge(string id, HttpContext http, HttpRequest request, BookwellDb db, SqliteWriteGate gate,
        CatalogCache cache, IClock clock, CancellationToken ct)
    {
        var c = await FindAsync(db, id, ct);
        if (c is null)
        {
            return Problems.NotFound("No such customer.");
        }
        var (body, errors) = await JsonBody.ReadAsync<MergeRequest>(request, 4096, Json.Options);
        if (body is null)
        {
            return Problems.Validation(errors);
        }
        if (!Guid.TryParse(body.From, out var from))
        {
            return Problems.Validation("from", "Required: the id of the duplicate client to merge into this one.");
        }
        var now = clock.GetCurrentInstant();
        return await CustomerDirectory.MergeAsync(db, gate, c.Id, from, "api", CrmAudit.ActorOf(http), now, ct) switch
        {
            MergeResult.Done => TypedResults.Ok(await DetailAsync(db, (await db.Customers.AsNoTracking().FirstAsync(x => x.Id == c.Id, ct)), now, await cache.GetAsync(db, ct), ct)),
            MergeResult.Same => Problems.Validation("from", "A client cannot be merged into itself."),
            MergeResult.NotFound => Problems.NotFound("No such customer."),
            _ => Problems.Make(409, "merge-conflict", "Merge not possible", "One of the two clients was merged or erased meanwhile; nothing was moved."),
        };
    }
}
