using System.Globalization;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Checkout;
using Bookwell.Features.Configuration;
using Bookwell.Features.Invoices;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Admin.Checkout;

/// <summary>
/// The desk checkout: a booking's bill (or a walk-in's), extra products, a discount, a tip where the business
/// allows one; paid in cash (tendered, change shown), by card at the terminal, or both. "Calculate" shows the
/// bill without taking anything; "Take payment" takes it once (<see cref="DeskCheckout"/>).
/// </summary>
public sealed class IndexModel : AdminPageModel
{
    public const int Rows = 4;

    public Booking? Booking { get; private set; }
    public CompiledPage? Site { get; private set; }
    public string Currency { get; private set; } = "EUR";
    public bool TipsAllowed { get; private set; }
    public Invoice? PaidInvoice { get; private set; }
    public Invoice? OpenInvoice { get; private set; }
    public DeskQuote? Quote { get; private set; }
    public Errors Problems { get; private set; } = new();

    [BindProperty] public string? Key { get; set; }
    [BindProperty(Name = "site")] public string? SiteKey { get; set; }
    [BindProperty] public string? CustomerName { get; set; }
    [BindProperty] public string? CustomerEmail { get; set; }
    [BindProperty] public List<string?> Desc { get; set; } = [];
    [BindProperty] public List<string?> Qty { get; set; } = [];
    [BindProperty] public List<string?> Price { get; set; } = [];
    [BindProperty] public string? Discount { get; set; }
    [BindProperty] public string? Tip { get; set; }
    [BindProperty] public string? Method { get; set; }
    [BindProperty] public string? Card { get; set; }
    [BindProperty] public string? Tendered { get; set; }
    [BindProperty] public string? CardReference { get; set; }
    /// <summary>The card payment on the reader, while the page waits for it (see <see cref="DeskTerminal"/>).</summary>
    [BindProperty] public string? PaymentIntent { get; set; }
    [BindProperty] public int TerminalAttempt { get; set; }

    /// <summary>The desk's card reader (the booking's branch's, or the page's), when one is set up and a provider configured.</summary>
    public string? Reader { get; private set; }
    /// <summary>Where the card step stands after this request (null: not started).</summary>
    public TerminalStep? Step { get; private set; }

    private static string Language => TextSet.Normalize(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName);

    public async Task<IActionResult> OnGetAsync(Guid? id, string? site, CancellationToken ct)
    {
        if (await LoadAsync(id, site, ct) is { } refused)
        {
            return refused;
        }
        if (Booking is not null && await Checkout().ForBookingAsync(Booking.Id, ct) is { } sale)
        {
            return Redirect($"/admin/receipts/{sale.Id}");
        }
        Key = Guid.NewGuid().ToString("N");
        Method = "cash";
        if (Booking is not null && PaidInvoice is null && Site?.Services.GetValueOrDefault(Booking.ServiceKey)?.Doc.Price?.Amount is { } price)
        {
            Desc.Add(Booking.ServiceName);
            Qty.Add("1");
            Price.Add(InvoiceMoney.Normalize(price, Currency).ToString(CultureInfo.CurrentCulture));
        }
        return Page();
    }

    public async Task<IActionResult> OnPostReviewAsync(Guid? id, CancellationToken ct)
    {
        if (await LoadAsync(id, SiteKey, ct) is { } refused)
        {
            return refused;
        }
        if (Read() is { } order)
        {
            Quote = DeskCheckout.Quote(order, Tax(order), Language, Problems);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostPayAsync(Guid? id, CancellationToken ct)
    {
        if (await LoadAsync(id, SiteKey, ct) is { } refused)
        {
            return refused;
        }
        if (Read() is not { } order)
        {
            return Page();
        }
        if (Reader is { } reader && order.Method != DeskMethod.Cash)
        {
            // The card part goes to the reader; the sale is recorded when the reader reports the card accepted.
            if (DeskCheckout.Quote(order, Tax(order), Language, Problems) is not { } quote)
            {
                return Page();
            }
            Quote = quote;
            return Show(await Terminal().StartAsync(order, quote, reader, Site!, Actor, Language, ct));
        }
        switch (await Checkout().PayAsync(order, Site, Actor, Language, ct))
        {
            case DeskResult.Done done:
                TempData["Flash"] = DeskText.Words.Format(done.Repeat ? "paid-already" : "paid", done.Sale.InvoiceNumber);
                return Redirect($"/admin/receipts/{done.Sale.Id}");
            case DeskResult.Invalid bad:
                Problems = bad.Errors;
                return Page();
            default:
                return NotFound();
        }
    }

    /// <summary>"Check again" (the button, or the page's script every few seconds): reads the reader back.</summary>
    public Task<IActionResult> OnPostTerminalAsync(Guid? id, CancellationToken ct) =>
        OnTerminalAsync(id, (order, quote, payment) => Terminal().CheckAsync(order, quote, payment, Site!, Actor, Language, ct), ct);

    /// <summary>After a decline: the same payment to the reader again.</summary>
    public Task<IActionResult> OnPostTerminalRetryAsync(Guid? id, CancellationToken ct) =>
        OnTerminalAsync(id, (order, _, payment) => Terminal().RetryAsync(order, payment, ++TerminalAttempt, Site!, Language, ct), ct);

    /// <summary>Stops the reader; nothing is taken.</summary>
    public Task<IActionResult> OnPostTerminalCancelAsync(Guid? id, CancellationToken ct) =>
        OnTerminalAsync(id, (order, _, payment) => Terminal().CancelAsync(order, payment, Site!, Language, ct), ct);

    /// <summary>Stops the reader and turns the form to cash, for the operator to enter what the client hands over.</summary>
    public async Task<IActionResult> OnPostTerminalCashAsync(Guid? id, CancellationToken ct)
    {
        var result = await OnTerminalAsync(id, (order, _, payment) => Terminal().CancelAsync(order, payment, Site!, Language, ct), ct);
        if (Step is TerminalStep.Canceled)
        {
            ModelState.Clear();
            (Method, Card, Quote) = ("cash", null, null);
        }
        return result;
    }

    private async Task<IActionResult> OnTerminalAsync(Guid? id, Func<DeskOrder, DeskQuote, TerminalPayment, Task<TerminalStep>> step, CancellationToken ct)
    {
        if (await LoadAsync(id, SiteKey, ct) is { } refused)
        {
            return refused;
        }
        if (Reader is not { } reader || !DeskTerminal.IsPaymentIntent(PaymentIntent))
        {
            Problems.Add("card", DeskText.Words["err-terminal"]);
            return Page();
        }
        if (Read() is not { } order || DeskCheckout.Quote(order, Tax(order), Language, Problems) is not { } quote)
        {
            return Page();
        }
        Quote = quote;
        return Show(await step(order, quote, new TerminalPayment(PaymentIntent!, reader, "waiting")));
    }

    private IActionResult Show(TerminalStep step)
    {
        Step = step;
        switch (step)
        {
            case TerminalStep.Paid paid:
                TempData["Flash"] = DeskText.Words.Format(paid.Done.Repeat ? "paid-already" : "paid", paid.Done.Sale.InvoiceNumber);
                return Redirect($"/admin/receipts/{paid.Done.Sale.Id}");
            case TerminalStep.Waiting waiting:
                PaymentIntent = waiting.Payment.PaymentIntent;
                break;
            case TerminalStep.Declined declined:
                PaymentIntent = declined.Payment.PaymentIntent;
                break;
            case TerminalStep.Canceled:
                PaymentIntent = null;
                break;
            case TerminalStep.Refused bad:
                foreach (var (field, messages) in bad.Errors.ToDictionary())
                {
                    foreach (var message in messages)
                    {
                        Problems.Add(field, message);
                    }
                }
                break;
        }
        // The hidden fields show what this request decided, not what was posted.
        ModelState.Remove(nameof(PaymentIntent));
        ModelState.Remove(nameof(TerminalAttempt));
        ModelState.Remove(nameof(Method));
        ModelState.Remove(nameof(Card));
        return Page();
    }

    private DeskCheckout Checkout() => HttpContext.RequestServices.GetRequiredService<DeskCheckout>();

    private DeskTerminal Terminal() => HttpContext.RequestServices.GetRequiredService<DeskTerminal>();

    /// <summary>The order's tax: the booked service's rate and whether the page's prices include it (settings.invoicing).</summary>
    private DeskTax Tax(DeskOrder order) => DeskCheckout.TaxFor(order, Site, HttpContext.RequestServices.GetRequiredService<InvoiceIssuer>());

    /// <summary>Reads the booking (a staff member only their own) and the page; null when the page may be shown.</summary>
    private async Task<IActionResult?> LoadAsync(Guid? id, string? site, CancellationToken ct)
    {
        if (id is { } bookingId)
        {
            Booking = await Db.Bookings.AsNoTracking().FirstOrDefaultAsync(b => b.Id == bookingId, ct);
            if (Booking is null || (OnlyStaff is not null && Booking.StaffKey != OnlyStaff))
            {
                return NotFound();
            }
            site = Booking.PageSlug;
            var invoice = await InvoiceStatusRules.OfBooking(Db.Set<Invoice>().AsNoTracking(), bookingId).FirstOrDefaultAsync(ct);
            PaidInvoice = invoice is { Status: InvoiceStatus.Paid } ? invoice : null;
            OpenInvoice = invoice is { Status: InvoiceStatus.Open } ? invoice : null;
        }
        Site = (site is null ? null : PageOf(site)) ?? Catalog.Pages.Values.FirstOrDefault();
        if (Site is null)
        {
            return NotFound();
        }
        SiteKey = Site.Doc.Slug;
        TipsAllowed = Site.Doc.Settings?.DeskTips == true;
        Reader = HttpContext.RequestServices.GetService<ITerminal>() is null ? null : DeskTerminal.ReaderFor(Site, Booking?.BranchKey);
        Currency = (Booking is null ? null : Site.Services.GetValueOrDefault(Booking.ServiceKey)?.Doc.Price?.Currency)
                   ?? Site.Services.Values.Select(s => s.Doc.Price?.Currency).FirstOrDefault(c => c is not null) ?? "EUR";
        return null;
    }

    /// <summary>The form as an order; field errors into <see cref="Problems"/> (then null).</summary>
    private DeskOrder? Read()
    {
        var w = DeskText.Words;
        if (Key is not { Length: >= 16 and <= 64 } key || !key.All(char.IsAsciiLetterOrDigit))
        {
            Problems.Add("key", w["err-key"]);
            return null;
        }
        var lines = new List<DeskLine>();
        var culture = CultureInfo.CurrentCulture;
        var moneyError = DeskCheckout.MoneyError(Currency, Language);
        for (var i = 0; i < Math.Min(Math.Max(Desc.Count, Price.Count), DeskCheckout.MaxLines); i++)
        {
            var desc = Desc.ElementAtOrDefault(i)?.Trim() ?? "";
            var priceText = Price.ElementAtOrDefault(i);
            var qtyText = Qty.ElementAtOrDefault(i)?.Trim();
            if (desc.Length == 0 && string.IsNullOrWhiteSpace(priceText))
            {
                continue;
            }
            if (desc.Length is 0 or > 300)
            {
                Problems.Add($"desc{i}", w["err-desc"]);
            }
            else if (ContactRules.HasForbiddenCharacters(desc))
            {
                Problems.Add($"desc{i}", w["err-text"]);
            }
            if (!DeskCheckout.TryMoney(priceText, Currency, null, out var price) || price is null)
            {
                Problems.Add($"price{i}", moneyError);
            }
            var qty = 1;
            if (!string.IsNullOrEmpty(qtyText) && (!int.TryParse(qtyText, NumberStyles.None, CultureInfo.InvariantCulture, out qty) || qty is < 1 or > 999))
            {
                Problems.Add($"qty{i}", w["err-qty"]);
            }
            if (price is { } p)
            {
                lines.Add(new DeskLine(desc, qty, p));
            }
        }
        if (!DeskCheckout.TryMoney(Discount, Currency, 0m, out var discount))
        {
            Problems.Add("discount", moneyError);
        }
        decimal? tip = 0m;
        if (TipsAllowed && !DeskCheckout.TryMoney(Tip, Currency, 0m, out tip))
        {
            Problems.Add("tip", moneyError);
        }
        var method = Method switch { "card" => DeskMethod.Card, "mixed" => DeskMethod.Mixed, "cash" => DeskMethod.Cash, _ => (DeskMethod?)null };
        if (method is null)
        {
            Problems.Add("method", w["err-method"]);
        }
        if (!DeskCheckout.TryMoney(Card, Currency, null, out var card))
        {
            Problems.Add("card", moneyError);
        }
        if (!DeskCheckout.TryMoney(Tendered, Currency, null, out var tendered))
        {
            Problems.Add("tendered", moneyError);
        }
        var name = (CustomerName ?? "").Trim();
        var email = (CustomerEmail ?? "").Trim();
        // One line each, printed on the invoice, the receipt and its mail: the rule of names everywhere (ContactRules).
        if (Booking is null && name.Length > ContactRules.MaxNameLength)
        {
            Problems.Add("customername", w["err-name"]);
        }
        else if (Booking is null && ContactRules.HasForbiddenCharacters(name))
        {
            Problems.Add("customername", w["err-text"]);
        }
        if (Booking is null && email.Length > 0 && !ContactRules.IsEmail(email))
        {
            Problems.Add("customeremail", w["err-email"]);
        }
        var reference = (CardReference ?? "").Trim();
        if (reference.Length > 100)
        {
            Problems.Add("cardreference", w["err-reference"]);
        }
        else if (ContactRules.HasForbiddenCharacters(reference))
        {
            Problems.Add("cardreference", w["err-text"]);
        }
        if (Problems.Any)
        {
            return null;
        }
        return new DeskOrder(key, Booking?.Id, Site!.Doc.Slug!, name, email, Currency, lines, discount!.Value, tip!.Value, method!.Value, card, tendered,
            reference.Length == 0 ? null : reference, Booking?.ServiceKey);
    }
}
