using System.Globalization;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Refunds;

/// <summary>One movement for the Payments view: a charge from the ledger, a refund with its state (pending and failed ones too), or a no-show fee with its state.</summary>
public sealed record PaymentLine(string Id, string Kind, Guid BookingId, string Customer, MoneyView Amount, string Status, string? CheckoutSession,
    string? PaymentIntent, string? StripeRefund, string? CreditNote, string? By, Instant At, string? Failure);

public sealed record PaymentLineResponse(string Id, string Kind, Guid BookingId, string Customer, MoneyView Amount, string Status,
    PaymentStripeIds Stripe, string? CreditNote, string? By, string At, string? Failure);

public sealed record PaymentStripeIds(string? CheckoutSession, string? PaymentIntent, string? Refund);

public sealed record PaymentLineList(IReadOnlyList<PaymentLineResponse> Items);

/// <summary>Every payment, refund and no-show fee of the business, newest first, with Stripe's ids and state.</summary>
public static class PaymentLedger
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;

    public static async Task<List<PaymentLine>> ReadAsync(BookwellDb db, string? kind, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var lines = new List<PaymentLine>();
        if (kind is null or "charge")
        {
            var charges = await (from p in db.Payments.AsNoTracking()
                                 join b in db.Bookings.AsNoTracking() on p.BookingId equals b.Id
                                 where p.Kind == PaymentKind.Charge
                                 orderby p.At descending
                                 select new { p, b.CustomerName }).Take(limit).ToListAsync(ct);
            lines.AddRange(charges.Select(c => new PaymentLine(c.p.Id.ToString(), "charge", c.p.BookingId, c.CustomerName,
                new MoneyView(InvoiceMoney.Normalize(c.p.Amount, c.p.Currency), c.p.Currency), "succeeded", c.p.Provider == PaymentProvider.Stripe ? c.p.ProviderReference : null,
                c.p.PaymentIntent, null, null, null, c.p.At, null)));
        }
        if (kind is null or "refund")
        {
            var refunds = await (from r in db.Set<Refund>().AsNoTracking()
                                 join b in db.Bookings.AsNoTracking() on r.BookingId equals b.Id
                                 orderby r.CreatedAt descending
                                 select new { r, b.CustomerName }).Take(limit).ToListAsync(ct);
            var noteIds = refunds.Where(x => x.r.CreditNoteId != null).Select(x => x.r.CreditNoteId!.Value).ToList();
            var notes = await db.Set<CreditNote>().AsNoTracking().Where(c => noteIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Number, ct);
            lines.AddRange(refunds.Select(x => new PaymentLine(x.r.Id.ToString(), "refund", x.r.BookingId, x.CustomerName,
                new MoneyView(InvoiceMoney.Normalize(x.r.Amount, x.r.Currency), x.r.Currency), x.r.State.ToWire(), null, x.r.PaymentIntent, x.r.StripeRefundId,
                x.r.CreditNoteId is { } n ? notes.GetValueOrDefault(n) : null, x.r.By, x.r.CreatedAt, x.r.Failure)));
        }
        if (kind is null or "fee")
        {
            // No-show fees in every state: charged (with the off-session PaymentIntent), due, owed (with why), waived, cancelled.
            var fees = await (from f in db.Set<NoShowFee>().AsNoTracking()
                              join b in db.Bookings.AsNoTracking() on f.BookingId equals b.Id
                              orderby f.UpdatedAt descending
                              select new { f, b.CustomerName }).Take(limit).ToListAsync(ct);
            lines.AddRange(fees.Select(x => new PaymentLine(x.f.Id.ToString(), "fee", x.f.BookingId, x.CustomerName,
                new MoneyView(InvoiceMoney.Normalize(x.f.Amount, x.f.Currency), x.f.Currency), x.f.State.ToWire(), null, x.f.PaymentIntent, null, null, null,
                x.f.UpdatedAt, x.f.State == NoShowFeeState.Owed ? x.f.Reason : null)));
        }
        return [.. lines.OrderByDescending(l => l.At).Take(limit)];
    }

    public static async Task<Results<Ok<PaymentLineList>, ProblemHttpResult>> List(string? kind, string? limit, BookwellDb db, CancellationToken ct)
    {
        var errors = new Errors();
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            errors.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
        }
        if (kind is not null and not ("charge" or "refund" or "fee"))
        {
            errors.Add("kind", "Must be charge, refund or fee.");
        }
        if (errors.Any)
        {
            return Problems.Validation(errors);
        }
        var lines = await ReadAsync(db, kind, take, ct);
        return TypedResults.Ok(new PaymentLineList([.. lines.Select(l => new PaymentLineResponse(l.Id, l.Kind, l.BookingId, l.Customer, l.Amount, l.Status,
            new PaymentStripeIds(l.CheckoutSession, l.PaymentIntent, l.StripeRefund), l.CreditNote, l.By, TimeFormats.Format(l.At, DateTimeZone.Utc), l.Failure))]));
    }
}

/// <summary>
/// The invoice list as CSV (RFC 4180, UTF-8), with the list's own filters. Every text cell that a spreadsheet
/// would read as a formula (starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
/// </summary>
public static class InvoiceCsv
{
    public static readonly string[] Header =
        ["number", "issued_on", "due_on", "status", "customer_name", "customer_email", "currency", "subtotal", "tax", "total", "amount_paid", "amount_due", "booking_id"];

    public static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\n')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Write(IEnumerable<Invoice> invoices, Instant now)
    {
        ArgumentNullException.ThrowIfNull(invoices);
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Header)).Append("\r\n");
        foreach (var i in invoices)
        {
            string M(decimal d) => InvoiceMoney.Normalize(d, i.Currency).ToString(CultureInfo.InvariantCulture);
            sb.Append(string.Join(',', new[]
            {
                Cell(i.Number), TimeFormats.FormatDate(i.IssuedOn), TimeFormats.FormatDate(i.DueOn), InvoiceStatusRules.Effective(i, now).ToWire(), Cell(i.CustomerName),
                Cell(i.CustomerEmail), Cell(i.Currency), M(i.Subtotal), M(i.TaxTotal), M(i.Total), M(i.AmountPaid), M(InvoiceStatusRules.Due(i)),
                i.BookingId?.ToString() ?? "",
            })).Append("\r\n");
        }
        return sb.ToString();
    }

    public static async Task<IResult> Export(string? from, string? to, string? status, BookwellDb db, IClock clock, CancellationToken ct)
    {
        var (bytes, errors) = await BuildAsync(from, to, status, db, clock, ct);
        return bytes is null ? Problems.Validation(errors) : TypedResults.File(bytes, "text/csv; charset=utf-8", "invoices.csv");
    }

    /// <summary>The CSV of the selection (UTF-8 with a byte order mark, so spreadsheets read the accents), or the filter's errors.</summary>
    public static async Task<(byte[]? Bytes, Errors Errors)> BuildAsync(string? from, string? to, string? status, BookwellDb db, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var errors = new Errors();
        if (InvoiceEndpoints.Parse(from, to, status, InvoiceEndpoints.MaxLimit.ToString(CultureInfo.InvariantCulture), null, errors) is not { } query)
        {
            return (null, errors);
        }
        var now = clock.GetCurrentInstant();
        var all = new List<Invoice>();
        var q = query;
        // Page through the whole selection (the list's own reader, so the filters mean the same).
        for (var pages = 0; pages < 200; pages++)
        {
            var (items, next) = await InvoiceEndpoints.ReadAsync(db, q, now, ct);
            all.AddRange(items);
            if (next is null)
            {
                break;
            }
            q = q with { After = InvoiceEndpoints.ReadCursor(next) };
        }
        return ([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Write(all, now))], errors);
    }
}
