using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

public sealed record CreditNoteRef(Guid Id, string Number);

/// <summary>A refund as the admin API shows it.</summary>
public sealed record RefundResponse(Guid Id, Guid BookingId, MoneyView Amount, string Status, string Reason, string? StripeRefundId, string PaymentIntent,
    CreditNoteRef? CreditNote, string By, string CreatedAt, string? Failure)
{
    public static RefundResponse From(Refund r, CreditNote? note) => new(r.Id, r.BookingId, new MoneyView(InvoiceMoney.Normalize(r.Amount, r.Currency), r.Currency),
        r.State.ToWire(), r.Reason.ToWire(), r.StripeRefundId, r.PaymentIntent, note is null ? null : new CreditNoteRef(note.Id, note.Number), r.By, TimeFormats.Format(r.CreatedAt, DateTimeZone.Utc),
        r.Failure);
}

public sealed record RefundList(IReadOnlyList<RefundResponse> Items, MoneyView? Refundable);

public sealed class RefundCreateRequest
{
    /// <summary>Null refunds everything still refundable.</summary>
    public MoneyDoc? Amount { get; set; }
}

/// <param name="RefundId">Null for a write-off and its reversal.</param>
/// <param name="Kind"><c>refund</c>, <c>write_off</c> (an invoice's unpaid rest no longer owed: its booking was cancelled) or <c>write_off_reversal</c>
/// (counters the write-off named by <paramref name="Reverses"/>: the booking was reopened); additive.</param>
public sealed record CreditNoteResponse(Guid Id, string Number, Guid BookingId, Guid? InvoiceId, string? InvoiceNumber, Guid? RefundId, MoneyView Amount,
    InvoiceCustomer Customer, string Reason, string IssuedOn, string Kind, CreditNoteRef? Reverses);

public sealed record CreditNoteList(IReadOnlyList<CreditNoteResponse> Items);

public static class RefundEndpoints
{
    public static IServiceCollection AddRefunds(this IServiceCollection services, IConfiguration config)
    {
        services.AddScoped<RefundService>();
        services.AddSingleton<RefundPlanner>();
        services.AddSingleton<InvoiceReminders>();
        services.AddHostedService<InvoiceReminderWorker>();
        if (StripeOptions.Read(config) is { } stripe)
        {
            services.AddHttpClient("stripe-refunds", c => c.Timeout = TimeSpan.FromSeconds(20));
            services.AddSingleton(sp => new StripeRefundGateway(stripe, sp.GetRequiredService<IHttpClientFactory>().CreateClient("stripe-refunds")));
            services.AddSingleton<RefundRetryWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<RefundRetryWorker>());
        }
        return services;
    }

    public static RouteGroupBuilder MapRefunds(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var bookings = admin.MapGroup("/bookings").WithTags("Admin refunds");
        bookings.MapGet("/{id}/refunds", List).WithName("ListBookingRefunds");
        bookings.MapPost("/{id}/refunds", Create).WithName("RefundBooking").Accepts<RefundCreateRequest>("application/json");
        admin.MapGet("/credit-notes", CreditNotesList).WithTags("Admin refunds").WithName("ListCreditNotes");
        admin.MapGet("/credit-notes/{id}/pdf", CreditNotePdfFile).WithTags("Admin refunds").WithName("GetCreditNotePdf")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        admin.MapGet("/payments", PaymentLedger.List).WithTags("Admin payments").WithName("ListPayments");
        admin.MapGet("/invoices/export", InvoiceCsv.Export).WithTags("Admin invoices").WithName("ExportInvoicesCsv")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return admin;
    }

    private static async Task<Results<Ok<RefundList>, ProblemHttpResult>> List(string id, BookwellDb db, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || !await db.Bookings.AnyAsync(b => b.Id == guid, ct))
        {
            return Problems.NotFound("No such booking.");
        }
        var refunds = await db.Set<Refund>().AsNoTracking().Where(r => r.BookingId == guid).OrderBy(r => r.Sequence).ToListAsync(ct);
        var notes = await db.Set<CreditNote>().AsNoTracking().Where(c => c.BookingId == guid && c.RefundId != null).ToDictionaryAsync(c => c.RefundId!.Value, ct);
        var (left, currency) = await RefundService.RefundableAsync(db, guid, ct);
        return TypedResults.Ok(new RefundList([.. refunds.Select(r => RefundResponse.From(r, notes.GetValueOrDefault(r.Id)))],
            currency is null ? null : new MoneyView(InvoiceMoney.Normalize(left, currency), currency)));
    }

    private static async Task<IResult> Create(string id, HttpRequest request, BookwellDb db, RefundService refunds, CancellationToken ct)
    {
        if (!RouteIds.TryParse(id, out var guid) || !await db.Bookings.AnyAsync(b => b.Id == guid, ct))
        {
            return Problems.NotFound("No such booking.");
        }
        var (body, errors) = await JsonBody.ReadAsync<RefundCreateRequest>(request, 4096, Json.Options);
        if (body is null || errors.Any)
        {
            return Problems.Validation(errors);
        }
        if (body.Amount is not null && body.Amount.Amount is null)
        {
            return Problems.Validation("amount.amount", "Required: a number such as 25.00 (or leave amount out to refund everything left).");
        }
        var result = await refunds.RefundAsync(guid, body.Amount?.Amount, body.Amount?.Currency, "api", ct);
        return await AnswerAsync(db, result, ct);
    }

    public static async Task<IResult> AnswerAsync(BookwellDb db, RefundResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        async Task<RefundResponse> Shape(Refund r) =>
            RefundResponse.From(r, await db.Set<CreditNote>().AsNoTracking().FirstOrDefaultAsync(c => c.RefundId == r.Id, ct));
        return result switch
        {
            RefundResult.Done done => TypedResults.Created($"/api/v1/admin/bookings/{done.Refund.BookingId}/refunds", await Shape(done.Refund)),
            RefundResult.Pending pending => TypedResults.Accepted($"/api/v1/admin/bookings/{pending.Refund.BookingId}/refunds", await Shape(pending.Refund)),
            RefundResult.Refused refused => Problems.Make(409, "refund-refused", "Stripe refused the refund",
                $"Nothing was refunded: {refused.Refund.Failure}"),
            RefundResult.Invalid bad => Problems.Validation(bad.Errors),
            _ => Problems.NotFound("No such booking."),
        };
    }

    /// <summary>The credit note's PDF, as mailed to the client (additive to contract 4.3).</summary>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CreditNotePdfFile(string id, BookwellDb db, InvoiceLogo logos, PdfFonts fonts, CancellationToken ct) =>
        RouteIds.TryParse(id, out var guid) && await CreditNoteDocument.LoadAsync(db, db.TenantId, guid, ct) is { } document
            ? TypedResults.File(CreditNotePdf.Render(document, await logos.ForDocumentAsync(db, document.Note, document.PageSlug, ct),
                await InvoiceSettings.PaperAsync(db, db.TenantId, document.PageSlug, ct), fonts), "application/pdf",
                CreditNotePdf.FileName(document))
            : Problems.NotFound("No such credit note.");

    private static async Task<Ok<CreditNoteList>> CreditNotesList(BookwellDb db, CancellationToken ct)
    {
        var notes = await db.Set<CreditNote>().AsNoTracking().OrderBy(c => c.Sequence).Take(1000).ToListAsync(ct);
        return TypedResults.Ok(new CreditNoteList([.. notes.Select(c => new CreditNoteResponse(c.Id, c.Number, c.BookingId, c.InvoiceId, c.InvoiceNumber, c.RefundId,
            new MoneyView(InvoiceMoney.Normalize(c.Amount, c.Currency), c.Currency), new InvoiceCustomer(c.CustomerName, c.CustomerEmail), c.Reason.ToWire(),
            TimeFormats.FormatDate(c.IssuedOn), c.Kind.ToWire(), c.ReversesId is { } reversed ? new CreditNoteRef(reversed, c.ReversesNumber!) : null))]));
    }
}

/// <summary>Every pending refund older than a minute is asked of Stripe again, with its own key; about once a minute.</summary>
public sealed class RefundRetryWorker(IServiceScopeFactory scopes, IClock clock, ILogger<RefundRetryWorker> log) : BackgroundService
{
    public static readonly Duration Wait = Duration.FromMinutes(1);

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var before = clock.GetCurrentInstant() - Wait;
        var due = await db.Set<Refund>().IgnoreQueryFilters().AsNoTracking().Where(r => r.State == RefundStatus.Pending && r.UpdatedAt <= before)
            .OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.TenantId }).Take(50).ToListAsync(ct);
        var sent = 0;
        foreach (var r in due)
        {
            using var inner = scopes.CreateScope();
            var idb = inner.ServiceProvider.GetRequiredService<BookwellDb>();
            idb.TenantId = r.TenantId;
            var result = await inner.ServiceProvider.GetRequiredService<RefundService>().SendAsync(r.Id, ct);
            if (result is RefundResult.Pending)
            {
                break;
            }
            sent++;
        }
        return sent;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(60));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "Refund retry pass failed");
            }
        }
    }
}
