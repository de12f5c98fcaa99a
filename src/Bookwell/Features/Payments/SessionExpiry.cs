using Bookwell.Data;
using Bookwell.Features.Bookings;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Payments;

/// <summary>
/// When an unpaid booking's hold runs out (the time rules cancel it as <c>expired</c>), its Checkout Session
/// must stop taking money: Stripe's own <c>expires_at</c> is at least 30 minutes out, so a shorter hold is
/// ended through <c>POST /v1/checkout/sessions/{id}/expire</c>. If Stripe says the session can no longer be
/// expired, it is read back: a payment that beat the expiry is applied like its event (reopened if the time is
/// still free, else marked for refund).
/// </summary>
public sealed class SessionExpiryListener(IServiceScopeFactory scopes, ILogger<SessionExpiryListener> log) : ITimeFreedListener
{
    public Task OnTimeFreedAsync(TimeFreed freed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freed);
        if (freed.Reason == "expired")
        {
            // Called while the change's caller may still hold the SQLite write gate, which applying takes again;
            // and a call to Stripe should not hold up the time rules. So it runs on its own.
            _ = Task.Run(async () =>
            {
                try
                {
                    await ExpireAsync(freed, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    log.LogError(ex, "Ending the checkout session of expired booking {Booking} failed", freed.BookingId);
                }
            }, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    private async Task ExpireAsync(TimeFreed freed, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        if (scope.ServiceProvider.GetService<StripeGateway>() is not { } gateway)
        {
            return;
        }
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var sessions = await db.CheckoutSessions.IgnoreQueryFilters().AsNoTracking()
            .Where(s => s.BookingId == freed.BookingId && s.TenantId == freed.TenantId && s.State == CheckoutState.Open).ToListAsync(ct);
        foreach (var session in sessions)
        {
            try
            {
                var state = await gateway.ExpireSessionAsync(session.Id, session.StripeAccount, ct)
                            ?? await gateway.GetSessionAsync(session.Id, session.StripeAccount, ct);
                await scope.ServiceProvider.GetRequiredService<PaymentApplier>().ApplyAsync(null, "expire", state, ct);
            }
            catch (StripeUnavailableException ex)
            {
                // The session still ends at its own expires_at; a payment before then arrives as an event.
                log.LogWarning(ex, "Could not expire checkout session {Session} of booking {Booking}", session.Id, freed.BookingId);
            }
        }
    }
}

/// <summary>
/// Reconciliation: Stripe's events can be late or lost. About once a minute, every open session whose booking's
/// hold ends within the next two minutes (or has ended) is read back from Stripe and its state applied, so a
/// booking that was paid is confirmed before its hold would cancel it, whether or not the event ever comes.
/// </summary>
public sealed class PaymentReconciler(IServiceScopeFactory scopes, IClock clock, ILogger<PaymentReconciler> log) : BackgroundService
{
    public static readonly Duration Ahead = Duration.FromMinutes(2);

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        if (scope.ServiceProvider.GetService<StripeGateway>() is not { } gateway)
        {
            return 0;
        }
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var horizon = clock.GetCurrentInstant() + Ahead;
        var due = await (from s in db.CheckoutSessions.IgnoreQueryFilters()
                         join b in db.Bookings.IgnoreQueryFilters() on s.BookingId equals b.Id
                         where s.State == CheckoutState.Open && b.Status == BookingStatus.PendingPayment && b.HoldExpiresAt != null && b.HoldExpiresAt <= horizon
                         orderby b.HoldExpiresAt
                         select new { s.Id, s.StripeAccount }).Take(50).AsNoTracking().ToListAsync(ct);
        var applied = 0;
        foreach (var s in due)
        {
            try
            {
                var state = await gateway.GetSessionAsync(s.Id, s.StripeAccount, ct);
                if (state.Status != "open")
                {
                    using var inner = scopes.CreateScope();
                    await inner.ServiceProvider.GetRequiredService<PaymentApplier>().ApplyAsync(null, "reconcile", state, ct);
                    applied++;
                }
            }
            catch (StripeUnavailableException ex)
            {
                log.LogWarning(ex, "Reconciliation could not read checkout session {Session}", s.Id);
                break;
            }
        }
        return applied;
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
                log.LogError(ex, "Payment reconciliation pass failed");
            }
        }
    }
}
