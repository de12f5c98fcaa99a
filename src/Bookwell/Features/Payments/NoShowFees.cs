using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Payments;

/// <summary>
/// The fee a booking owes for not turning up. One row per booking at most (a unique index on
/// <see cref="BookingId"/>), written in the same transaction as the change to <c>no_show</c>: however often a
/// booking is marked no-show (staff, the time rule, two nodes at once, or after a correction and a second
/// marking) there is one fee, and so at most one charge.
/// </summary>
public sealed class NoShowFee : ITenantOwned
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid BookingId { get; set; }
    /// <summary>The client who owes it (the booking's customer).</summary>
    public Guid? CustomerId { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    /// <summary><c>due</c> (to be charged), <c>charged</c> (the saved card paid it), <c>owed</c> (no saved card, or it was declined).</summary>
    public required NoShowFeeState State { get; set; }
    /// <summary>The off-session PaymentIntent, when one was made.</summary>
    public string? PaymentIntent { get; set; }
    /// <summary>Why it is owed: <c>no-saved-card</c>, <c>no-provider</c>, or Stripe's decline code (<c>card_declined</c>, <c>authentication_required</c>...).</summary>
    public string? Reason { get; set; }
    /// <summary>How often staff asked to charge it again after it was owed; part of the Stripe idempotency key (a retry is a new attempt, not a replay of the decline).</summary>
    public int Attempt { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }

}

/// <summary>Where a no-show fee is; stored as the string each member names (<see cref="Wire{T}"/>).</summary>
public enum NoShowFeeState
{
    /// <summary>To be charged.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("due")] Due,
    /// <summary>The saved card paid it.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("charged")] Charged,
    /// <summary>No saved card, or it was declined.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("owed")] Owed,
    /// <summary>Staff let the client off (who and when in <see cref="NoShowFee.Reason"/> and <see cref="NoShowFee.UpdatedAt"/>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("waived")] Waived,
    /// <summary>The no-show was overruled (the client came after all): nothing is owed.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>
/// No-show fees per service (<c>services[].noShowFee</c>: <c>{ "amount": 20.00 }</c> in the price's currency, or
/// <c>{ "percent": 50 }</c> of the price). Recorded by <see cref="BookingLifecycle"/> when a booking becomes
/// <c>no_show</c>; charged after the commit by <see cref="NoShowFeeCharger"/>.
/// </summary>
public sealed class NoShowFees(CatalogCache catalogs, NoShowFeeSignal signal)
{
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<NoShowFee>(e =>
        {
            e.ToTable("NoShowFees");
            e.HasQueryFilter(f => f.TenantId == db.TenantId);
            e.HasIndex(f => f.BookingId).IsUnique();
            e.HasIndex(f => new { f.State, f.CreatedAt });
            e.HasIndex(f => new { f.TenantId, f.CustomerId });
            e.Property(f => f.Amount).HasPrecision(18, 4);
            e.Property(f => f.Currency).HasMaxLength(3);
            e.Property(f => f.State).HasConversion(Wire<NoShowFeeState>.Converter).HasMaxLength(10);
            e.Property(f => f.PaymentIntent).HasMaxLength(255);
            e.Property(f => f.Reason).HasMaxLength(100);
        });
    }

    /// <summary>Checks <c>services[].noShowFee</c>: one of amount or percent, above zero, not more than the price; needs a price.</summary>
    public static void Validate(Errors e, string path, ServiceDoc svc)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(svc);
        if (svc.NoShowFee is not { } fee)
        {
            return;
        }
        var at = $"{path}.noShowFee";
        if (fee.Amount is null == fee.Percent is null)
        {
            e.Add(at, "Give either 'amount' (in the price's currency) or 'percent' (of the price), not both.");
            return;
        }
        if (svc.Price?.Amount is not > 0 || svc.Price.Currency is null)
        {
            e.Add(at, "A no-show fee needs the service's price (amount above zero and currency).");
            return;
        }
        if (fee.Amount is { } amount && (amount <= 0 || amount > svc.Price.Amount || decimal.Round(amount, 2) != amount))
        {
            e.Add($"{at}.amount", "Must be above zero, at most two decimals, and not more than the price.");
        }
        if (fee.Percent is { } percent && (percent <= 0 || percent > 100 || decimal.Round(percent, 2) != percent))
        {
            e.Add($"{at}.percent", "Must be above 0 and at most 100 (two decimals at most).");
        }
    }

    /// <summary>What a no-show of this service costs, in the price's currency and its minor units; null when it has no fee.</summary>
    public static (decimal Amount, string Currency)? FeeFor(ServiceDoc? svc)
    {
        if (svc?.NoShowFee is not { } fee || svc.Price is not { Amount: { } price, Currency: { } currency })
        {
            return null;
        }
        var amount = fee.Amount ?? price * fee.Percent!.Value / 100m;
        amount = MinorUnits.Round(amount, currency);
        return amount > 0 ? (amount, currency) : null;
    }

    /// <summary>A service whose card must be saved though nothing is paid online: Checkout in <c>setup</c> mode holds the booking until it is.</summary>
    public static bool NeedsCardOnly(ServiceDoc svc) => svc.Payment == "none" && FeeFor(svc) is not null;

    /// <summary>
    /// Inside the lifecycle's transaction, with the booking's row locked: the booking just became
    /// <c>no_show</c>. Writes its fee unless it has one (the unique index refuses a second even if two
    /// transactions got here at once; the lifecycle then retries and finds the first).
    /// </summary>
    public async Task RecordAsync(BookwellDb db, Booking booking, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var catalog = await catalogs.GetAsync(db, ct);
        // A visit has no fee of its own (its parts cannot have one: Visits.Unfit).
        var service = Visits.Billing(catalog.Pages.GetValueOrDefault(booking.PageSlug), booking);
        if (FeeFor(service) is not { } fee || booking.WalkIn)
        {
            return;
        }
        var existing = await db.Set<NoShowFee>().FirstOrDefaultAsync(f => f.BookingId == booking.Id, ct);
        if (existing is not null)
        {
            if (existing.State == NoShowFeeState.Cancelled)
            {
                // Overruled, then marked no-show again: the same fee is due again (a new attempt, so Stripe is asked afresh).
                existing.State = NoShowFeeState.Due;
                existing.Reason = null;
                existing.Attempt++;
                existing.UpdatedAt = now;
                signal.Notify();
            }
            return;
        }
        db.Set<NoShowFee>().Add(new NoShowFee
        {
            Id = Ids.New(),
            TenantId = booking.TenantId,
            BookingId = booking.Id,
            CustomerId = booking.CustomerId,
            Amount = fee.Amount,
            Currency = fee.Currency,
            State = NoShowFeeState.Due,
            CreatedAt = now,
            UpdatedAt = now,
        });
        signal.Notify();
    }
}

public static class NoShowFeeChanges
{
    /// <summary>
    /// Inside the lifecycle's transaction (<see cref="BookingLifecycle"/>, with the booking's row locked): the no-show
    /// was overruled, so a fee not yet charged is cancelled. A fee already charged stays: that money is refunded by hand.
    /// </summary>
    public static async Task CancelAsync(BookwellDb db, Booking booking, string by, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(booking);
        var fee = await db.Set<NoShowFee>().FirstOrDefaultAsync(f => f.BookingId == booking.Id, ct);
        if (fee is { State: NoShowFeeState.Due or NoShowFeeState.Owed })
        {
            fee.State = NoShowFeeState.Cancelled;
            fee.Reason = Cut("overruled by " + by);
            fee.UpdatedAt = now;
        }
    }

    /// <summary>Staff let the client off an owed fee. False when it is no longer owed (charged or settled meanwhile).</summary>
    public static async Task<bool> WaiveAsync(BookwellDb db, Guid feeId, string by, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var reason = Cut("waived by " + by);
        return await db.Set<NoShowFee>().Where(f => f.Id == feeId && f.State == NoShowFeeState.Owed)
            .ExecuteUpdateAsync(u => u.SetProperty(f => f.State, NoShowFeeState.Waived).SetProperty(f => f.Reason, reason).SetProperty(f => f.UpdatedAt, now), ct) == 1;
    }

    /// <summary>Staff ask to charge an owed fee again (the client updated their card, the bank said try again): due once more, as a new attempt.</summary>
    public static async Task<bool> RetryAsync(BookwellDb db, Guid feeId, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Set<NoShowFee>().Where(f => f.Id == feeId && f.State == NoShowFeeState.Owed)
            .ExecuteUpdateAsync(u => u.SetProperty(f => f.State, NoShowFeeState.Due).SetProperty(f => f.Reason, (string?)null)
                .SetProperty(f => f.Attempt, f => f.Attempt + 1).SetProperty(f => f.UpdatedAt, now), ct) == 1;
    }

    private static string Cut(string text) => text.Length > 100 ? text[..100] : text;
}

/// <summary>Wakes the charger when a fee was recorded (it also looks every few seconds, for fees recorded on another node).</summary>
public sealed class NoShowFeeSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Notify()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}

/// <summary>
/// Charges recorded no-show fees off-session with the card the client saved at Checkout
/// (<c>POST /v1/payment_intents</c> with <c>off_session=true, confirm=true</c>, the customer and the saved
/// payment method, an idempotency key derived from the booking and the fee). Without a saved card, or when the
/// bank declines, the fee stays on the client as owed. A fee leaves <c>due</c> once: the state is changed by a
/// conditional update and the ledger row's provider reference is unique, so two passes (two nodes) at once
/// charge and record it once; Stripe answers the second request with the first one's PaymentIntent.
/// </summary>
public sealed class NoShowFeeCharger(IServiceScopeFactory scopes, IClock clock, SqliteWriteGate gate, NoShowFeeSignal signal, ILogger<NoShowFeeCharger> log)
    : BackgroundService
{
    /// <summary>One pass over due fees of every business.</summary>
    /// <returns>How many fees this pass settled (charged or owed).</returns>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var due = await db.Set<NoShowFee>().IgnoreQueryFilters().AsNoTracking().Where(f => f.State == NoShowFeeState.Due)
            .OrderBy(f => f.CreatedAt).Take(50).ToListAsync(ct);
        var settled = 0;
        foreach (var fee in due)
        {
            try
            {
                if (await ChargeAsync(scope.ServiceProvider, db, fee, ct))
                {
                    settled++;
                }
            }
            catch (StripeUnavailableException ex)
            {
                // Nothing was decided at Stripe; the same idempotency key makes the next pass safe.
                log.LogWarning(ex, "No-show fee {Fee} not charged yet: Stripe unavailable", fee.Id);
            }
        }
        return settled;
    }

    private async Task<bool> ChargeAsync(IServiceProvider services, BookwellDb db, NoShowFee fee, CancellationToken ct)
    {
        if (services.GetService<StripeGateway>() is not { } gateway || services.GetService<StripeOptions>() is not { } options)
        {
            return await SettleAsync(db, fee, NoShowFeeState.Owed, null, "no-provider", ct);
        }
        var session = await db.CheckoutSessions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.BookingId == fee.BookingId && s.TenantId == fee.TenantId && s.State == CheckoutState.Complete)
            .OrderByDescending(s => s.CreatedAt).FirstOrDefaultAsync(ct);
        var card = session is null ? null : await gateway.SavedCardAsync(session.Id, session.StripeAccount, ct);
        if (card is null)
        {
            return await SettleAsync(db, fee, NoShowFeeState.Owed, null, "no-saved-card", ct);
        }
        var minor = MinorUnits.ToMinor(fee.Amount, fee.Currency);
        long? platformFee = session!.StripeAccount is not null && options.PlatformFeePercent > 0
            ? (long)Math.Round(minor * options.PlatformFeePercent / 100m, 0, MidpointRounding.ToEven)
            : null;
        // Cancelled or waived since this pass read it: ask Stripe for nothing.
        if (!await db.Set<NoShowFee>().IgnoreQueryFilters().AnyAsync(f => f.Id == fee.Id && f.State == NoShowFeeState.Due, ct))
        {
            return false;
        }
        var result = await gateway.ChargeOffSessionAsync(new OffSessionCharge(fee.TenantId, fee.BookingId, fee.Id, minor, fee.Currency,
            card.Customer, card.PaymentMethod, session.StripeAccount, platformFee, fee.Attempt), ct);
        return result.Status == "succeeded"
            ? await SettleAsync(db, fee, NoShowFeeState.Charged, result.PaymentIntent, null, ct)
            : await SettleAsync(db, fee, NoShowFeeState.Owed, result.PaymentIntent, result.FailureCode ?? result.Status, ct);
    }

    /// <summary>Moves the fee out of <c>due</c> once; a charged fee enters the ledger in the same transaction.</summary>
    private async Task<bool> SettleAsync(BookwellDb db, NoShowFee fee, NoShowFeeState state, string? paymentIntent, string? reason, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        using var _ = await gate.EnterAsync(db, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.ChangeTracker.Clear();
        var changed = await db.Set<NoShowFee>().IgnoreQueryFilters()
            .Where(f => f.Id == fee.Id && f.State == NoShowFeeState.Due)
            .ExecuteUpdateAsync(u => u.SetProperty(f => f.State, state).SetProperty(f => f.PaymentIntent, paymentIntent)
                .SetProperty(f => f.Reason, reason).SetProperty(f => f.UpdatedAt, now), ct);
        if (changed == 0 && state == NoShowFeeState.Charged && paymentIntent is not null)
        {
            // Overruled or waived while Stripe was taking the money: the money was taken all the same, so it is
            // recorded (and shows as charged, for staff to refund) rather than lost.
            changed = await db.Set<NoShowFee>().IgnoreQueryFilters()
                .Where(f => f.Id == fee.Id && (f.State == NoShowFeeState.Cancelled || f.State == NoShowFeeState.Waived))
                .ExecuteUpdateAsync(u => u.SetProperty(f => f.State, state).SetProperty(f => f.PaymentIntent, paymentIntent)
                    .SetProperty(f => f.Reason, "charged-after-cancel").SetProperty(f => f.UpdatedAt, now), ct);
        }
        if (changed == 0)
        {
            // Another pass settled it first.
            await tx.RollbackAsync(ct);
            return false;
        }
        if (state == NoShowFeeState.Charged && paymentIntent is not null)
        {
            db.Payments.Add(new Payment
            {
                Id = Ids.New(),
                TenantId = fee.TenantId,
                BookingId = fee.BookingId,
                Amount = fee.Amount,
                Currency = fee.Currency,
                Kind = PaymentKind.Fee,
                Provider = PaymentApplier.Provider,
                ProviderReference = paymentIntent,
                PaymentIntent = paymentIntent,
                At = now,
                Seller = await Invoices.SellerSnapshot.JsonForAsync(db, fee.TenantId,
                    await db.Bookings.IgnoreQueryFilters().Where(b => b.Id == fee.BookingId && b.TenantId == fee.TenantId).Select(b => b.PageSlug).FirstAsync(ct), ct),
            });
        }
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (Conflicts.IsLostRace(ex))
        {
            await tx.RollbackAsync(ct);
            db.ChangeTracker.Clear();
            return false;
        }
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                // The fee is signalled from inside its transaction: give it a moment to commit.
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogError(ex, "No-show fee pass failed");
            }
        }
    }
}
