using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Invoices;

public sealed record InvoiceCustomer(string Name, string Email);

public sealed record InvoiceLineResponse(string Description, decimal Quantity, decimal UnitPrice, decimal TaxRate, decimal Total);

/// <summary><c>by</c> (who recorded it: the dashboard user, <c>api</c>, or <c>system</c> for a receipt) is additive.</summary>
public sealed record InvoicePaymentResponse(decimal Amount, string Method, string? Note, string At, string By);

/// <summary>Contract 4.3's invoice; amounts are numbers in the invoice's <c>currency</c>. <c>taxTotal</c>, <c>amountDue</c>, <c>payments</c>, <c>replaces</c> (the number of the void invoice this one replaces), <c>amountSettled</c> (the unpaid rest no longer owed since the
/// booking was cancelled: such an invoice is <c>paid</c> with <c>amountPaid</c> below <c>total</c> and nothing due) and the rest are additive.</summary>
public sealed record InvoiceResponse(Guid Id, string Number, Guid? BookingId, InvoiceCustomer Customer, string Status, string IssuedOn, string DueOn,
    string Currency, IReadOnlyList<InvoiceLineResponse> Lines, decimal Total, decimal AmountPaid, decimal TaxTotal, decimal AmountDue,
    IReadOnlyList<InvoicePaymentResponse> Payments, string Page, string? Replaces, decimal AmountSettled)
{
    public static InvoiceResponse From(Invoice i, Instant now)
    {
        ArgumentNullException.ThrowIfNull(i);
        decimal M(decimal amount) => InvoiceMoney.Normalize(amount, i.Currency);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(i.TimeZone) ?? DateTimeZone.Utc;
        return new InvoiceResponse(i.Id, i.Number, i.BookingId, new InvoiceCustomer(i.CustomerName, i.CustomerEmail), InvoiceStatusRules.Effective(i, now).ToWire(),
            TimeFormats.FormatDate(i.IssuedOn), TimeFormats.FormatDate(i.DueOn), i.Currency,
            [.. i.Lines.OrderBy(l => l.Position).Select(l => new InvoiceLineResponse(l.Description, l.Quantity, M(l.UnitPrice), l.TaxRate, M(l.Total)))],
            M(i.Total), M(i.AmountPaid), M(i.TaxTotal), M(InvoiceStatusRules.Due(i)),
            [.. i.Payments.OrderBy(p => p.At).ThenBy(p => p.Id).Select(p => new InvoicePaymentResponse(M(p.Amount), p.Method.ToWire(), p.Note, TimeFormats.Format(p.At, zone), p.By))],
            i.PageSlug, i.ReplacesNumber, M(InvoiceStatusRules.Settled(i)));
    }
}

public sealed record InvoiceList(IReadOnlyList<InvoiceResponse> Items, string? NextCursor);

public sealed class InvoicePaymentRequest
{
    public MoneyDoc? Amount { get; set; }
    public string? Method { get; set; }
    public string? Note { get; set; }
}

public static class InvoiceEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static IServiceCollection AddInvoices(this IServiceCollection services)
    {
        // One per node: it holds only singletons and settings read once.
        services.AddSingleton<InvoiceIssuer>();
        services.AddScoped<InvoicePayments>();
        services.AddSingleton<InvoiceLogo>();
        services.AddSingleton(sp => PdfFonts.FromConfiguration(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILogger<PdfFonts>>()));
        services.AddSingleton<IMailAttachmentSource, InvoiceAttachments>();
        services.AddSingleton<IMailAttachmentSource, Refunds.CreditNoteAttachments>();
        return services;
    }

    public static RouteGroupBuilder MapInvoices(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var invoices = admin.MapGroup("/invoices").WithTags("Admin invoices");
        invoices.MapGet("", List).WithName("ListInvoices");
        invoices.MapGet("/{id}", GetOne).WithName("GetInvoice");
        invoices.MapGet("/{id}/pdf", Pdf).WithName("GetInvoicePdf").Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        invoices.MapPost("/{id}/payments", RecordPayment).WithName("RecordInvoicePayment").Accepts<InvoicePaymentRequest>("application/json");
        invoices.MapPost("/{id}/void", Void).WithName("VoidInvoice");
        return admin;
    }

    /// <summary>The query of the list, validated; shared by the API and the dashboard page.</summary>
    public sealed record Query(LocalDate? From, LocalDate? To, InvoiceStatus[] Statuses, int Limit, long? After);

    public static Query? Parse(string? from, string? to, string? status, string? limit, string? cursor, Errors e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            e.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
        }
        long? after = null;
        if (cursor is not null)
        {
            after = ReadCursor(cursor);
            if (after is null)
            {
                e.Add("cursor", "Not a cursor of this list: pass nextCursor from the previous page unchanged.");
            }
        }
        LocalDate? fromDate = null, toDate = null;
        if (from is not null)
        {
            if (TimeFormats.TryParseDate(from, out var f)) { fromDate = f; } else { e.Add("from", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        if (to is not null)
        {
            if (TimeFormats.TryParseDate(to, out var t)) { toDate = t; } else { e.Add("to", $"Must be a date as YYYY-MM-DD, {TimeFormats.RangeHint}."); }
        }
        if (fromDate is { } a && toDate is { } b && b < a)
        {
            e.Add("to", "Must not be before from.");
        }
        var statuses = status?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (statuses.Length > 10)
        {
            e.Add("status", "At most 10 statuses.");
        }
        var wanted = statuses.Take(10).Select(s => e.Read<InvoiceStatus>("status", s)).OfType<InvoiceStatus>().Distinct().ToArray();
        return e.Any ? null : new Query(fromDate, toDate, wanted, take, after);
    }

    /// <summary>
    /// Invoices in order of issue. Overdue is derived from the clock, so the stored status is filtered in SQL
    /// (open for both open and overdue) and the exact status after reading, page by page, until the page is full.
    /// </summary>
    public static async Task<(List<Invoice> Items, string? NextCursor)> ReadAsync(BookwellDb db, Query q, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(q);
        var query = db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).AsSplitQuery().AsQueryable();
        if (q.From is { } from)
        {
            query = query.Where(i => i.IssuedOn >= from);
        }
        if (q.To is { } to)
        {
            query = query.Where(i => i.IssuedOn <= to);
        }
        if (q.Statuses.Length > 0)
        {
            var stored = q.Statuses.Select(s => s == InvoiceStatus.Overdue ? InvoiceStatus.Open : s).Distinct().ToArray();
            query = query.Where(i => stored.Contains(i.Status));
        }
        var kept = new List<Invoice>(q.Limit + 1);
        var after = q.After;
        var chunk = Math.Max(q.Limit + 1, 100);
        while (kept.Count <= q.Limit)
        {
            var next = after is { } seq ? query.Where(i => i.Sequence > seq) : query;
            var rows = await next.OrderBy(i => i.Sequence).Take(chunk).ToListAsync(ct);
            kept.AddRange(rows.Where(i => q.Statuses.Length == 0 || q.Statuses.Contains(InvoiceStatusRules.Effective(i, now))).Take(q.Limit + 1 - kept.Count));
            if (rows.Count < chunk)
            {
                break;
            }
            after = rows[^1].Sequence;
        }
        var page = kept.Take(q.Limit).ToList();
        return (page, kept.Count > q.Limit ? WriteCursor(page[^1].Sequence) : null);
    }

    private static async Task<Results<Ok<InvoiceList>, ProblemHttpResult>> List(string? from, string? to, string? status, string? limit, string? cursor,
        BookwellDb db, IClock clock, CancellationToken ct)
    {
        var errors = new Errors();
        if (Parse(from, to, status, limit, cursor, errors) is not { } query)
        {
            return Problems.Validation(errors);
        }
        var now = clock.GetCurrentInstant();
        var (items, next) = await ReadAsync(db, query, now, ct);
        return TypedResults.Ok(new InvoiceList([.. items.Select(i => InvoiceResponse.From(i, now))], next));
    }

    public static async Task<Invoice?> FindAsync(BookwellDb db, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return RouteIds.TryParse(id, out var guid)
            ? await db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).AsSplitQuery().FirstOrDefaultAsync(i => i.Id == guid, ct)
            : null;
    }

    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> GetOne(string id, BookwellDb db, IClock clock, CancellationToken ct) =>
        await FindAsync(db, id, ct) is { } invoice ? TypedResults.Ok(InvoiceResponse.From(invoice, clock.GetCurrentInstant())) : Problems.NotFound("No such invoice.");

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pdf(string id, BookwellDb db, IClock clock, InvoiceLogo logos, PdfFonts fonts, CancellationToken ct) =>
        await FindAsync(db, id, ct) is { } invoice
            ? TypedResults.File(InvoicePdf.Render(invoice, clock.GetCurrentInstant(), await logos.ForDocumentAsync(db, invoice, invoice.PageSlug, ct),
                    await InvoiceSettings.PaperAsync(db, invoice.TenantId, invoice.PageSlug, ct), fonts),
                "application/pdf", InvoicePdf.FileName("invoice", invoice.Number))
            : Problems.NotFound("No such invoice.");

    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> RecordPayment(string id, HttpRequest request, BookwellDb db,
        InvoicePayments payments, IClock clock, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || !await db.Set<Invoice>().AnyAsync(i => i.Id == guid, ct))
        {
            return Problems.NotFound("No such invoice.");
        }
        var (body, errors) = await JsonBody.ReadAsync<InvoicePaymentRequest>(request, 4096, Json.Options);
        if (body is null || errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (body.Amount is null)
        {
            return Problems.Validation("amount", "Required: { \"amount\": 25.00, \"currency\": \"EUR\" }.");
        }
        return await payments.RecordAsync(guid, body.Amount.Amount, body.Amount.Currency, body.Method, body.Note, "api", "en", ct) switch
        {
            PaymentResult.Done done => TypedResults.Ok(InvoiceResponse.From(done.Invoice, clock.GetCurrentInstant())),
            PaymentResult.Invalid bad => Problems.Validation(bad.Errors),
            _ => Problems.NotFound("No such invoice."),
        };
    }

    /// <summary>Voids an open invoice with nothing paid (409 otherwise); its number stays taken.</summary>
    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> Void(string id, InvoicePayments payments, IClock clock, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid))
        {
            return Problems.NotFound("No such invoice.");
        }
        return await payments.VoidAsync(guid, "en", ct) switch
        {
            PaymentResult.Done done => TypedResults.Ok(InvoiceResponse.From(done.Invoice, clock.GetCurrentInstant())),
            PaymentResult.Refused refused => Problems.Make(StatusCodes.Status409Conflict, "invoice-not-voidable", "The invoice cannot be voided", refused.Message),
            _ => Problems.NotFound("No such invoice."),
        };
    }

    private const string CursorVersion = "i1";

    public static string WriteCursor(long sequence) =>
        System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.ASCII.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{CursorVersion}.{sequence}")));

    public static long? ReadCursor(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.Length is 0 or > 100 || !System.Buffers.Text.Base64Url.IsValid(cursor))
        {
            return null;
        }
        var parts = System.Text.Encoding.ASCII.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor)).Split('.');
        return parts.Length == 2 && parts[0] == CursorVersion &&
               long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : null;
    }
}
