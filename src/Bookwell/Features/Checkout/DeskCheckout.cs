using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Availability;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Features.Notifications;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Checkout;

/// <summary>A line of the bill as staff entered it (price per unit, with or without tax as the page's <c>settings.invoicing.pricesIncludeTax</c> says).</summary>
public sealed record DeskLine(string Description, decimal Quantity, decimal UnitPrice);

/// <summary>How the bill is paid: <c>cash</c>, <c>card</c> (at the terminal) or <c>mixed</c>.</summary>
public enum DeskMethod
{
    Cash,
    Card,
    Mixed,
}

/// <summary>A checkout as submitted; amounts already parsed (the page reports what does not parse).</summary>
public sealed record DeskOrder(string Key, Guid? BookingId, string PageSlug, string CustomerName, string CustomerEmail, string Currency,
    IReadOnlyList<DeskLine> Lines, decimal Discount, decimal Tip, DeskMethod Method, decimal? Card, decimal? Tendered, string? CardReference,
    string? ServiceKey = null, DeskTerminalCharge? Terminal = null);

/// <summary>
/// The card part paid on the desk's Stripe Terminal reader: its PaymentIntent (checked with Stripe to be this checkout's own) and the
/// Connect account it was made on. Set only by <see cref="DeskTerminal"/>, never from a form, so a typed reference is never refunded.
/// </summary>
public sealed record DeskTerminalCharge(string PaymentIntent, string? StripeAccount);

/// <summary>How the desk's lines are taxed: the booked service's rate (else the installation's) and the page's inclusive/exclusive prices.</summary>
public sealed record DeskTax(decimal Rate, bool PricesIncludeTax);

/// <summary>What the bill comes to: the lines, less the discount, plus the tip; split into cash and card; the change for the cash.</summary>
public sealed record DeskQuote(decimal Lines, decimal Discount, decimal Tip, decimal Total, decimal Cash, decimal Card, decimal Tendered, decimal Change);

public abstract record DeskResult
{
    /// <param name="Repeat">The same checkout was already paid (a double submit): nothing was taken again.</param>
    public sealed record Done(DeskSale Sale, bool Repeat) : DeskResult;
    public sealed record Invalid(Errors Errors) : DeskResult;
    public sealed record Missing : DeskResult;
}

/// <summary>
/// The desk checkout (seed 001's till). <see cref="Quote"/> is the arithmetic, in the currency's minor units
/// (half to even, like invoices). <see cref="PayAsync"/> takes the payment in one transaction: the booking's
/// row locked, the checkout's key and the booking checked for an earlier sale, the invoice issued paid (its
/// gapless number from the counter row), the sale and the ledger rows written, and the booking completed
/// through the lifecycle seam. A repeated or parallel submit finds the first sale (or collides with it on
/// the unique key and then finds it), so money is recorded once.
/// </summary>
public sealed class DeskCheckout(BookwellDb db, IClock clock, BookingWrite write, InvoiceIssuer invoices, BookingLifecycle lifecycle)
{
    public const int MaxLines = 20;

    /// <summary>
    /// The most any one amount of a desk checkout may be, and the most its lines may add up to, in the currency's major
    /// units. A till takes what a client pays over the counter; a typo of a few extra digits (or a hostile form) must not
    /// become an invoice for billions with a change of as much.
    /// </summary>
    public const decimal MaxAmount = 1_000_000m;
    public const PaymentProvider Provider = PaymentProvider.Desk;

    /// <summary>Checks the order's money and works out the bill; errors are keyed by the form's field names.</summary>
    public static DeskTax TaxFor(DeskOrder order, CompiledPage? page, InvoiceIssuer invoices)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(invoices);
        var service = order.ServiceKey is null ? null : page?.Services.GetValueOrDefault(order.ServiceKey);
        return new DeskTax(invoices.TaxRateFor(service), page?.Doc.Settings?.Invoicing?.PricesIncludeTax ?? true);
    }

    public static DeskQuote? Quote(DeskOrder order, DeskTax tax, string language, Errors errors)
    {
        ArgumentNullException.ThrowIfNull(tax);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(errors);
        var w = DeskText.Words;
        var culture = Bookwell.Features.Notifications.MailText.Culture(language);
        var currency = order.Currency;
        if (order.Lines.Count == 0)
        {
            errors.Add("lines", w.Get("err-no-lines", language));
        }
        var lines = 0m;
        foreach (var l in order.Lines)
        {
            lines += InvoiceMoney.Line(l.Quantity, l.UnitPrice, tax.Rate, currency, tax.PricesIncludeTax).Total;
        }
        if (lines > MaxAmount)
        {
            errors.Add("lines", w.FormatIn(language, culture, "err-total-max", InvoiceMoney.Format(MaxAmount, currency, culture)));
            return null;
        }
        var discount = order.Discount;
        if (discount < 0 || !InvoiceMoney.Fits(discount, currency) || discount > lines)
        {
            errors.Add("discount", w.FormatIn(language, culture, "err-discount", InvoiceMoney.Format(lines, currency, culture)));
        }
        if (order.Tip < 0 || order.Tip > MaxAmount || !InvoiceMoney.Fits(order.Tip, currency))
        {
            errors.Add("tip", MoneyError(currency, language));
        }
        if (errors.Any)
        {
            return null;
        }
        // The discount is a line of its own on the invoice (taxed like the others), so the bill adds up as the invoice does.
        var total = lines + InvoiceMoney.Line(1m, -discount, tax.Rate, currency, tax.PricesIncludeTax).Total + order.Tip;
        decimal cash, card;
        switch (order.Method)
        {
            case DeskMethod.Card:
                (cash, card) = (0m, total);
                break;
            case DeskMethod.Mixed when order.Card is { } c && c > 0 && c < total && InvoiceMoney.Fits(c, currency):
                (cash, card) = (total - c, c);
                break;
            case DeskMethod.Mixed:
                errors.Add("card", w.FormatIn(language, culture, "err-card", InvoiceMoney.Format(total, currency, culture)));
                return null;
            default:
                (cash, card) = (total, 0m);
                break;
        }
        var tendered = cash;
        if (cash > 0 && order.Tendered is { } given)
        {
            if (given < cash || !InvoiceMoney.Fits(given, currency))
            {
                errors.Add("tendered", w.FormatIn(language, culture, "err-tendered", InvoiceMoney.Format(cash, currency, culture)));
                return null;
            }
            tendered = given;
        }
        return new DeskQuote(lines, discount, order.Tip, total, cash, card, tendered, tendered - cash);
    }

    /// <summary>The booking's desk checkout, if it had one.</summary>
    public Task<DeskSale?> ForBookingAsync(Guid bookingId, CancellationToken ct) =>
        db.Set<DeskSale>().AsNoTracking().FirstOrDefaultAsync(s => s.BookingId == bookingId, ct);

    /// <summary>
    /// Why the order cannot be paid as things stand (read without the lock: <see cref="PayAsync"/> decides), or null. Asked before a card
    /// reader is given the amount, so a client's card is not charged for a bill that cannot be recorded.
    /// </summary>
    public async Task<Errors?> RefusalAsync(DeskOrder order, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        var errors = new Errors();
        if (await db.Set<DeskSale>().AsNoTracking().AnyAsync(s => s.Key == order.Key || (order.BookingId != null && s.BookingId == order.BookingId), ct))
        {
            errors.Add("booking", DeskText.Words.Get("err-terminal-paid-otherwise", language));
            return errors;
        }
        if (order.BookingId is not { } id)
        {
            return null;
        }
        var booking = await db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct);
        if (booking?.Status is not (BookingStatus.Confirmed or BookingStatus.InProgress or BookingStatus.Completed))
        {
            errors.Add("booking", DeskText.Words.Get("err-status", language));
        }
        else if (TooEarly(booking, clock.GetCurrentInstant(), language) is { } early)
        {
            errors.Add("booking", early);
        }
        else if (await db.Set<Invoice>().AsNoTracking().AnyAsync(i => i.BookingId == id && i.Status == InvoiceStatus.Open, ct))
        {
            errors.Add("booking", DeskText.Words.Get("err-open-invoice", language));
        }
        return errors.Any ? errors : null;
    }

    /// <summary>Takes the payment (see the class). <paramref name="by"/> is recorded on the sale, the invoice's payments and the booking's history.</summary>
    public async Task<DeskResult> PayAsync(DeskOrder order, CompiledPage? page, string by, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        var errors = new Errors();
        var tax = TaxFor(order, page, invoices);
        if (Quote(order, tax, language, errors) is not { } quote)
        {
            return new DeskResult.Invalid(errors);
        }
        // Another submit of the same checkout may win the race (unique key or booking): the next round finds its sale. A refusal
        // on the last round is thrown as it is. Only a sale for a booking bumps the business's busy version (a walk-in sale holds no time).
        return await write.RunAsync<DeskResult>(4, null, async attempt =>
        {
            Booking? booking = null;
            if (order.BookingId is { } bookingId)
            {
                // Lock order as every booking writer: the business's busy version (bumped by the write), then the booking's row.
                booking = await BookingLifecycle.LockAsync(db, bookingId, ct);
                if (booking is null)
                {
                    return attempt.Answer(new DeskResult.Missing());
                }
            }
            // Under the lock: a repeat of this form, or another form for the same booking, already paid.
            var earlier = await db.Set<DeskSale>().AsNoTracking()
                .FirstOrDefaultAsync(s => s.Key == order.Key || (order.BookingId != null && s.BookingId == order.BookingId), ct);
            if (earlier is not null)
            {
                return attempt.Answer(new DeskResult.Done(earlier, Repeat: true));
            }
            if (booking is not null && booking.Status is not (BookingStatus.Confirmed or BookingStatus.InProgress or BookingStatus.Completed))
            {
                errors.Add("booking", DeskText.Words.Get("err-status", language));
                return attempt.Answer(new DeskResult.Invalid(errors));
            }
            if (booking is not null && TooEarly(booking, clock.GetCurrentInstant(), language, page?.Zone) is { } early)
            {
                errors.Add("booking", early);
                return attempt.Answer(new DeskResult.Invalid(errors));
            }
            var existingInvoice = booking is null ? null : await InvoiceStatusRules.OfBooking(db.Set<Invoice>().AsNoTracking(), booking.Id).FirstOrDefaultAsync(ct);
            if (existingInvoice is { Status: InvoiceStatus.Open })
            {
                errors.Add("booking", DeskText.Words.Get("err-open-invoice", language));
                return attempt.Answer(new DeskResult.Invalid(errors));
            }
            var now = clock.GetCurrentInstant();
            var saleId = Ids.New();
            var w = DeskText.Words;
            var docLanguage = TextSet.Normalize(booking?.Language ?? language);
            var draftLines = order.Lines.Select(l => new InvoiceDraftLine(l.Description, l.Quantity, l.UnitPrice, tax.Rate)).ToList();
            if (quote.Discount > 0)
            {
                draftLines.Add(new InvoiceDraftLine(w.Get("line-discount", docLanguage), 1m, -quote.Discount, tax.Rate));
            }
            if (quote.Tip > 0)
            {
                draftLines.Add(new InvoiceDraftLine(w.Get("line-tip", docLanguage), 1m, quote.Tip, 0m));
            }
            var zone = page?.Zone ?? DateTimeZone.Utc;
            var draft = new InvoiceDraft(order.PageSlug, page?.Doc.Name ?? order.PageSlug, InvoiceIssuer.BusinessAddress(page),
                booking?.CustomerName ?? (order.CustomerName.Length > 0 ? order.CustomerName : w.Get("walk-in-client", docLanguage)),
                booking is { CustomerEmail: var bookedEmail } && bookedEmail != CustomerBook.WalkInEmail ? bookedEmail : order.CustomerEmail, docLanguage, zone.Id, order.Currency, draftLines,
                existingInvoice is null ? booking?.Id : null);
            var paid = new List<InvoicePaid>();
            if (quote.Cash > 0)
            {
                paid.Add(new InvoicePaid(quote.Cash, InvoicePaymentMethod.Cash, $"desk {saleId:N}", order.Currency));
            }
            if (quote.Card > 0)
            {
                var note = order.CardReference is { Length: > 0 } r ? $"desk {saleId:N} terminal {r}" : $"desk {saleId:N} terminal";
                paid.Add(new InvoicePaid(quote.Card, InvoicePaymentMethod.Card, note, order.Currency));
            }
            var invoice = await invoices.IssueAsync(db, draft, paid, by, now, ct);
            var sale = new DeskSale
            {
                Id = saleId,
                TenantId = db.TenantId,
                Key = order.Key,
                BookingId = booking?.Id,
                InvoiceId = invoice.Id,
                InvoiceNumber = invoice.Number,
                PageSlug = order.PageSlug,
                CustomerName = invoice.CustomerName,
                Currency = order.Currency,
                Total = quote.Total,
                Discount = quote.Discount,
                Tip = quote.Tip,
                Cash = quote.Cash,
                Tendered = quote.Tendered,
                Change = quote.Change,
                Card = quote.Card,
                CardReference = order.CardReference,
                By = by.Length > 254 ? by[..254] : by,
                At = now,
            };
            db.Set<DeskSale>().Add(sale);
            if (booking is not null)
            {
                // The booking's own ledger: money received at the desk, with the seller as it stands now, as a Stripe charge keeps it,
                // so renaming the business later never rewrites whom the client paid. A card on the Terminal reader keeps its
                // PaymentIntent and account, so it is refunded through Stripe like an online payment; cash and a card on another
                // terminal (a typed reference) are given back at the desk.
                var seller = SellerSnapshot.For(page)?.ToJson();
                foreach (var (amount, method) in new[] { (quote.Cash, "cash"), (quote.Card, "card") })
                {
                    if (amount > 0)
                    {
                        db.Payments.Add(new Payment
                        {
                            Id = Ids.New(),
                            TenantId = booking.TenantId,
                            BookingId = booking.Id,
                            Amount = amount,
                            Currency = order.Currency,
                            Kind = PaymentKind.Charge,
                            Provider = Provider,
                            ProviderReference = $"{saleId:N}-{method}",
                            PaymentIntent = method == "card" ? order.Terminal?.PaymentIntent : null,
                            StripeAccount = method == "card" ? order.Terminal?.StripeAccount : null,
                            At = now,
                            Seller = seller,
                        });
                    }
                }
                if (booking.Status == BookingStatus.Confirmed && now < booking.StartsAt)
                {
                    // Paying on arrival, inside the check-in window (TooEarly refused anything sooner): the visit starts now, as the
                    // history shows, and so may be completed before its booked start.
                    var started = await lifecycle.ApplyLockedAsync(booking, new Change.SetStatus(BookingStatus.InProgress), new Actor(by, null, page), attempt.Freed, ct);
                    if (started is not WriteResult.Done)
                    {
                        errors.Add("booking", DeskText.Words.Get("err-status", language));
                        return attempt.Answer(new DeskResult.Invalid(errors));
                    }
                }
                if (booking.Status is BookingStatus.Confirmed or BookingStatus.InProgress)
                {
                    var done = await lifecycle.ApplyLockedAsync(booking, new Change.SetStatus(BookingStatus.Completed), new Actor(by, null, page), attempt.Freed, ct);
                    if (done is not WriteResult.Done)
                    {
                        errors.Add("booking", DeskText.Words.Get("err-status", language));
                        return attempt.Answer(new DeskResult.Invalid(errors));
                    }
                }
            }
            return attempt.Commit(new DeskResult.Done(sale, Repeat: false));
        }, ct, bump: order.BookingId is not null, lostRace: Conflicts.IsLostRace);
    }

    /// <summary>What a money field that <see cref="TryMoney"/> refuses says, in <paramref name="language"/>.</summary>
    public static string MoneyError(string currency, string language)
    {
        var culture = MailText.Culture(language);
        return DeskText.Words.FormatIn(language, culture, "err-money", currency, InvoiceMoney.MinorUnits(currency), MaxAmount.ToString("N0", culture));
    }

    /// <summary>
    /// Why a booked visit cannot be checked out yet, or null. The checkout closes the visit (the booking becomes completed), and a
    /// visit is completed only once it has started: from when check-in opens (<see cref="CheckInWindow"/>) the client is here and
    /// paying starts it; before that, days ahead say, the desk refuses instead of completing an appointment that has not happened.
    /// </summary>
    private static string? TooEarly(Booking booking, Instant now, string language, DateTimeZone? zone = null)
    {
        if (booking.Status != BookingStatus.Confirmed || now >= CheckInWindow.Opens(booking))
        {
            return null;
        }
        zone ??= Infrastructure.TimeFormats.Zone(booking.TimeZone) ?? DateTimeZone.Utc;
        string At(Instant i) => i.InZone(zone).LocalDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return DeskText.Words.FormatIn(language, CultureInfo.InvariantCulture, "err-too-early", At(booking.StartsAt), At(CheckInWindow.Opens(booking)));
    }

    /// <summary>
    /// A money field as typed: blank is <paramref name="blank"/>; a comma is read as the decimal point; from 0 to
    /// <see cref="MaxAmount"/> with at most the currency's decimals (none for JPY, three for BHD).
    /// </summary>
    public static bool TryMoney(string? text, string currency, decimal? blank, out decimal? value)
    {
        value = blank;
        var t = (text ?? "").Trim().Replace(',', '.');
        if (t.Length == 0)
        {
            return true;
        }
        if (t.Length > 20 || t.Count(c => c == '.') > 1 ||
            !decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed) || parsed > MaxAmount || !InvoiceMoney.Fits(parsed, currency))
        {
            return false;
        }
        value = parsed;
        return true;
    }
}
