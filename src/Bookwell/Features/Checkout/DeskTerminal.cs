using System.Text.RegularExpressions;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Features.Payments;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Bookwell.Features.Checkout;

/// <summary>What the desk's card step came to (see <see cref="DeskTerminal"/>).</summary>
public abstract record TerminalStep
{
    /// <summary>The reader shows the amount; the page waits and checks again.</summary>
    public sealed record Waiting(TerminalPayment Payment) : TerminalStep;
    /// <summary>The card was declined, or the client cancelled on the reader: try again, or take cash.</summary>
    public sealed record Declined(TerminalPayment Payment) : TerminalStep;
    /// <summary>The desk cancelled the card payment; nothing was taken.</summary>
    public sealed record Canceled : TerminalStep;
    /// <summary>Paid: the sale is recorded (once) and the money captured.</summary>
    public sealed record Paid(DeskResult.Done Done) : TerminalStep;
    /// <summary>Nothing taken; the errors say why (keyed like the form's fields).</summary>
    public sealed record Refused(Errors Errors) : TerminalStep;
}

/// <summary>
/// The desk checkout's card step through a card reader (<see cref="ITerminal"/>): the card part of the bill goes to the
/// reader of the booking's branch (or the page's), keyed by the checkout's one-time key and the amount, so a double
/// click or a retried request reaches the same PaymentIntent. When the reader reports the card authorized, the sale is
/// recorded through <see cref="DeskCheckout.PayAsync"/> first (once: the sale's unique key) and the authorization
/// captured after (idempotent in Stripe); a capture that fails is completed by the next check, which finds the sale.
/// A sale recorded for the booking by another form (cash, say) cancels the authorization instead: money is taken once.
/// </summary>
public sealed partial class DeskTerminal(BookwellDb db, DeskCheckout checkout, IServiceProvider services)
{
    [GeneratedRegex("^tmr_[A-Za-z0-9_]{1,64}$")]
    private static partial Regex ReaderPattern();

    [GeneratedRegex("^pi_[A-Za-z0-9_]{1,200}$")]
    private static partial Regex IntentPattern();

    /// <summary>The configuration's <c>settings.terminalReader</c> and <c>branches[].terminalReader</c>: Stripe reader ids.</summary>
    public static void Validate(Errors errors, string path, PageDoc page)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(page);
        const string message = "Must be a Stripe Terminal reader id such as tmr_FDOt2wlRZEdpd7.";
        if (page.Settings?.TerminalReader is { } reader && !ReaderPattern().IsMatch(reader))
        {
            errors.Add($"{path}.settings.terminalReader", message);
        }
        for (var b = 0; page.Branches is not null && b < page.Branches.Count; b++)
        {
            if (page.Branches[b]?.TerminalReader is { } own && !ReaderPattern().IsMatch(own))
            {
                errors.Add($"{path}.branches[{b}].terminalReader", message);
            }
        }
    }

    public static bool IsPaymentIntent(string? id) => id is not null && IntentPattern().IsMatch(id);

    /// <summary>The reader at the desk where this booking (or a walk-in of the page) is checked out; null when none is set up.</summary>
    public static string? ReaderFor(CompiledPage? page, string? branchKey) =>
        page is null ? null
        : (branchKey is null ? null : page.Doc.Branches?.FirstOrDefault(b => b.Key == branchKey)?.TerminalReader) ?? page.Doc.Settings?.TerminalReader;

    /// <summary>The reader's adapter, when a payment provider is configured.</summary>
    public ITerminal? Terminal => services.GetService<ITerminal>();

    /// <summary>The key of the checkout's card payment: the form's one-time key and what is asked, so a changed bill is a new PaymentIntent.</summary>
    public static string StartKey(Guid tenant, string checkoutKey, long amount, string currency) =>
        $"bookwell-desk-{tenant:N}-{checkoutKey}-{amount}-{currency.ToLowerInvariant()}";

    /// <summary>What a desk checkout's PaymentIntent carries: the business and the checkout's one-time key.</summary>
    public static string Reference(Guid tenant, string checkoutKey) => $"{tenant:N}:{checkoutKey}";

    /// <summary>Whether a PaymentIntent, as Stripe holds it, was made by this business for this checkout.</summary>
    private bool IsOurs(TerminalPayment payment, DeskOrder order) => payment.Reference == Reference(db.TenantId, order.Key);

    private static TerminalStep NotOurs(string language)
    {
        var errors = new Errors();
        errors.Add("card", DeskText.Words.Get("err-terminal-used", language));
        return new TerminalStep.Refused(errors);
    }

    /// <summary>Sends the card part of the bill to the reader.</summary>
    public async Task<TerminalStep> StartAsync(DeskOrder order, DeskQuote quote, string reader, CompiledPage page, string by, string language, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(page);
        var terminal = Terminal ?? throw new InvalidOperationException("No card reader adapter is configured.");
        if (await checkout.RefusalAsync(order, language, ct) is { } refused)
        {
            return new TerminalStep.Refused(refused);
        }
        var amount = MinorUnits.ToMinor(quote.Card, order.Currency);
        return await CallAsync(language, async account =>
        {
            var started = await terminal.StartAsync(reader, amount, order.Currency, StartKey(db.TenantId, order.Key, amount, order.Currency),
                Reference(db.TenantId, order.Key), account, ct);
            return started.Status == "waiting" ? new TerminalStep.Waiting(started) : await SettleAsync(order, quote, started, page, by, language, account, ct);
        }, page, ct);
    }

    /// <summary>Reads the reader back; an authorized card is recorded and captured.</summary>
    public Task<TerminalStep> CheckAsync(DeskOrder order, DeskQuote quote, TerminalPayment payment, CompiledPage page, string by, string language, CancellationToken ct) =>
        CallAsync(language, async account =>
        {
            var now = await Terminal!.StatusAsync(payment, account, ct);
            if (!IsOurs(now, order))
            {
                return NotOurs(language);
            }
            return now.Status switch
            {
                "waiting" => new TerminalStep.Waiting(now),
                "failed" => new TerminalStep.Declined(now),
                "canceled" => new TerminalStep.Canceled(),
                _ => await SettleAsync(order, quote, now, page, by, language, account, ct),
            };
        }, page, ct);

    /// <summary>The same PaymentIntent to the reader again, after a decline.</summary>
    public Task<TerminalStep> RetryAsync(DeskOrder order, TerminalPayment payment, int attempt, CompiledPage page, string language, CancellationToken ct) =>
        CallAsync(language, async account => IsOurs(await Terminal!.StatusAsync(payment, account, ct), order)
            ? new TerminalStep.Waiting(await Terminal!.RetryAsync(payment, attempt, account, ct))
            : NotOurs(language), page, ct);

    /// <summary>Stops the reader and cancels the PaymentIntent. A payment captured meanwhile is not undone: it still needs recording.</summary>
    public Task<TerminalStep> CancelAsync(DeskOrder order, TerminalPayment payment, CompiledPage page, string language, CancellationToken ct) =>
        CallAsync(language, async account =>
        {
            if (!IsOurs(await Terminal!.StatusAsync(payment, account, ct), order))
            {
                return NotOurs(language);
            }
            var after = await Terminal!.CancelAsync(payment, account, ct);
            return after.Status == "canceled" ? new TerminalStep.Canceled() : new TerminalStep.Waiting(after);
        }, page, ct);

    private async Task<TerminalStep> SettleAsync(DeskOrder order, DeskQuote quote, TerminalPayment payment, CompiledPage page, string by, string language,
        string? account, CancellationToken ct)
    {
        var w = DeskText.Words;
        var errors = new Errors();
        if (payment.Amount != MinorUnits.ToMinor(quote.Card, order.Currency) || !string.Equals(payment.Currency, order.Currency, StringComparison.OrdinalIgnoreCase))
        {
            // The bill was changed while the reader held the old amount: that payment is not this bill's.
            errors.Add("card", w.Get("err-terminal-amount", language));
            return new TerminalStep.Refused(errors);
        }
        if (await db.Set<DeskSale>().AsNoTracking().AnyAsync(s => s.CardReference == payment.PaymentIntent && s.Key != order.Key, ct))
        {
            errors.Add("card", w.Get("err-terminal-used", language));
            return new TerminalStep.Refused(errors);
        }
        var result = await checkout.PayAsync(order with { CardReference = payment.PaymentIntent, Terminal = new DeskTerminalCharge(payment.PaymentIntent, account) },
            page, by, language, ct);
        switch (result)
        {
            case DeskResult.Done done when !done.Repeat || (done.Sale.Key == order.Key && done.Sale.CardReference == payment.PaymentIntent):
                if (payment.Status == "authorized")
                {
                    await Terminal!.CaptureAsync(payment, account, ct);
                }
                return new TerminalStep.Paid(done);
            case DeskResult.Done:
                // Another checkout of this booking was recorded first (paid otherwise): release the card.
                await Terminal!.CancelAsync(payment, account, ct);
                errors.Add("booking", w.Get("err-terminal-paid-otherwise", language));
                return new TerminalStep.Refused(errors);
            case DeskResult.Invalid bad:
                if (payment.Status == "authorized")
                {
                    await Terminal!.CancelAsync(payment, account, ct);
                }
                return new TerminalStep.Refused(bad.Errors);
            default:
                errors.Add("booking", w.Get("err-status", language));
                return new TerminalStep.Refused(errors);
        }
    }

    private async Task<TerminalStep> CallAsync(string language, Func<string?, Task<TerminalStep>> call, CompiledPage page, CancellationToken ct)
    {
        var account = await StripeConnect.ChargeAccountAsync(db, page.Doc.Settings?.StripeAccount, ct);
        try
        {
            return await call(account);
        }
        catch (StripeException e)
        {
            var errors = new Errors();
            errors.Add("card", DeskText.Words.Get("err-terminal", language) + (e.StripeError?.Message is { Length: > 0 } m ? " (" + m + ")" : ""));
            return new TerminalStep.Refused(errors);
        }
    }
}
