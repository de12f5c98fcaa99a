using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>What was done to a client's data (<see cref="CrmAuditEntry.Action"/>); stored as the string each member names.</summary>
public enum CrmAuditAction
{
    /// <summary>The person was erased (by the business, by the client in the portal, or by the retention rule).</summary>
    [JsonStringEnumMemberName("erase")] Erase,
    /// <summary>A duplicate (<see cref="CrmAuditEntry.OtherCustomerId"/>) was merged into the client.</summary>
    [JsonStringEnumMemberName("merge")] Merge,
    /// <summary>The person's data was exported (GDPR access).</summary>
    [JsonStringEnumMemberName("export")] Export,
    /// <summary>Clients were imported from a CSV file: one entry per client added or updated.</summary>
    [JsonStringEnumMemberName("import")] Import,
}

/// <summary>
/// One line of the CRM's audit log: who (a dashboard user's id, an API key's id, the client, or the retention
/// rule), what, which client (by id only) and when. It holds no personal data, so it stays after an erase; it is
/// append-only (the database refuses updates and deletes).
/// </summary>
public sealed class CrmAuditEntry : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    /// <summary><c>user:&lt;id&gt;</c>, <c>api-key:&lt;id&gt;</c>, <c>bootstrap-key</c>, <c>client</c> or <c>retention</c>.</summary>
    public required string Actor { get; set; }
    public CrmAuditAction Action { get; set; }
    public Guid CustomerId { get; set; }
    /// <summary>For a merge: the duplicate merged into <see cref="CustomerId"/>.</summary>
    public Guid? OtherCustomerId { get; set; }
    public Instant At { get; set; }
}

public sealed record AuditItem(Guid Id, string Actor, string Action, Guid CustomerId, Guid? OtherCustomerId, string At);

public sealed record AuditList(IReadOnlyList<AuditItem> Items, int Total, int Page, int Limit);

/// <summary>The CRM audit log: written in the transaction of what it records, read by the owner (page and API).</summary>
public static class CrmAudit
{
    public const string Client = "client";
    public const string Retention = "retention";

    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<CrmAuditEntry>(e =>
        {
            e.ToTable("CrmAudit");
            e.HasQueryFilter(a => a.TenantId == db.TenantId);
            e.HasIndex(a => new { a.TenantId, a.At });
            e.Property(a => a.Actor).HasMaxLength(60);
            e.Property(a => a.Action).HasConversion(Wire<CrmAuditAction>.Converter).HasMaxLength(10);
        });
    }

    /// <summary>
    /// Who acts in a request: the signed-in dashboard user by id, else the API key by id (the bootstrap key has none). An admin
    /// API call with a valid key is not authenticated by cookie at all (Program.cs), so its actor is always the key.
    /// </summary>
    public static string ActorOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { Length: > 0 } user && Guid.TryParse(user, out var id))
        {
            return "user:" + id.ToString("D", CultureInfo.InvariantCulture);
        }
        var tenant = http.RequestServices.GetRequiredService<TenantContext>();
        return tenant.ApiKeyId is { } key ? "api-key:" + key.ToString("D", CultureInfo.InvariantCulture) : "bootstrap-key";
    }

    /// <summary>Adds an entry to the context; the caller's save (and transaction) writes it with what it records.</summary>
    public static void Add(BookwellDb db, string actor, CrmAuditAction action, Guid customerId, Instant at, Guid? other = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        db.Set<CrmAuditEntry>().Add(new CrmAuditEntry
        {
            Id = Ids.New(),
            TenantId = db.TenantId,
            Actor = actor.Length > 60 ? actor[..60] : actor,
            Action = action,
            CustomerId = customerId,
            OtherCustomerId = other,
            At = at,
        });
    }

    public static async Task RecordAsync(BookwellDb db, string actor, CrmAuditAction action, Guid customerId, Instant at, CancellationToken ct)
    {
        Add(db, actor, action, customerId, at);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Newest first.</summary>
    public static IQueryable<CrmAuditEntry> Newest(BookwellDb db, Guid? customer)
    {
        ArgumentNullException.ThrowIfNull(db);
        var q = db.Set<CrmAuditEntry>().AsNoTracking();
        if (customer is { } c)
        {
            q = q.Where(a => a.CustomerId == c || a.OtherCustomerId == c);
        }
        return q.OrderByDescending(a => a.At).ThenByDescending(a => a.Id);
    }

    public static AuditItem Item(CrmAuditEntry a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AuditItem(a.Id, a.Actor, a.Action.ToWire(), a.CustomerId, a.OtherCustomerId, AdminCustomerEndpoints.Iso(a.At)!);
    }

    /// <summary><c>GET /api/v1/admin/customers/audit?customer=&amp;page=&amp;limit=</c>: the log, newest first, paged.</summary>
    public static async Task<Results<Ok<AuditList>, ProblemHttpResult>> ListAsync(string? customer, string? page, string? limit, BookwellDb db, CancellationToken ct)
    {
        var e = new Errors();
        Guid? id = null;
        if (!string.IsNullOrEmpty(customer))
        {
            if (Guid.TryParse(customer, out var g)) { id = g; } else { e.Add("customer", "Must be a client's id."); }
        }
        var take = AdminCustomerEndpoints.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > AdminCustomerEndpoints.MaxLimit))
        {
            e.Add("limit", $"Must be a whole number from 1 to {AdminCustomerEndpoints.MaxLimit}.");
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
        var rows = Newest(db, id);
        var total = await rows.CountAsync(ct);
        var items = await rows.Skip((number - 1) * take).Take(take).ToListAsync(ct);
        return TypedResults.Ok(new AuditList([.. items.Select(Item)], total, number, take));
    }
}
