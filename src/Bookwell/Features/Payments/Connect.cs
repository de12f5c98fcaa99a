using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Stripe;

namespace Bookwell.Features.Payments;

/// <summary>
/// A business's own Stripe account, connected from the admin (Stripe Connect, Standard account). Checkout then
/// makes <b>direct charges</b> on it: every call carries the <c>Stripe-Account</c> header, the business is the
/// merchant of record (its name on the statement, its balance pays refunds and Stripe's fees), the Customer
/// and saved card live on its account (so a no-show fee can be charged there off-session), and the platform's
/// share is the <c>application_fee_amount</c>. Until Stripe says <c>charges_enabled</c>, the platform account
/// takes the money as before.
/// </summary>
public sealed class ConnectAccount : ITenantOwned
{
    public Guid TenantId { get; set; }
    public required string AccountId { get; set; }
    public bool ChargesEnabled { get; set; }
    public bool DetailsSubmitted { get; set; }
    public Instant CreatedAt { get; set; }
    public Instant UpdatedAt { get; set; }
}

/// <summary>What Stripe says about a connected account.</summary>
public sealed record AccountState(string Id, bool ChargesEnabled, bool DetailsSubmitted);

public sealed partial class StripeGateway
{
    public static string ConnectKey(Guid tenantId) => $"bookwell-connect-{tenantId:N}";

    /// <summary><c>POST /v1/accounts</c> (type standard), keyed by the business: a double click makes one account.</summary>
    public async Task<AccountState> CreateAccountAsync(Guid tenantId, string? email, CancellationToken ct)
    {
        var options = new AccountCreateOptions
        {
            Type = "standard",
            Email = email,
            Metadata = new Dictionary<string, string> { ["bookwell_tenant"] = tenantId.ToString() },
        };
        var account = await CallAsync(() => new AccountService(_client).CreateAsync(options, new RequestOptions { IdempotencyKey = ConnectKey(tenantId) }, ct));
        return new AccountState(account.Id, account.ChargesEnabled, account.DetailsSubmitted);
    }

    /// <summary><c>GET /v1/accounts/{id}</c>: whether the account may take charges yet.</summary>
    public async Task<AccountState> GetAccountAsync(string id, CancellationToken ct)
    {
        var account = await CallAsync(() => new AccountService(_client).GetAsync(id, null, null, ct));
        return new AccountState(account.Id, account.ChargesEnabled, account.DetailsSubmitted);
    }

    /// <summary><c>POST /v1/account_links</c> (account_onboarding). Links are single-use and short-lived: one is made per visit, so no idempotency key.</summary>
    public async Task<string> AccountLinkAsync(string account, string refreshUrl, string returnUrl, CancellationToken ct)
    {
        var link = await CallAsync(() => new AccountLinkService(_client).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account,
            RefreshUrl = refreshUrl,
            ReturnUrl = returnUrl,
            Type = "account_onboarding",
        }, null, ct));
        return link.Url;
    }
}

public static class StripeConnect
{
    public static void Configure(ModelBuilder modelBuilder, BookwellDb db)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        ArgumentNullException.ThrowIfNull(db);
        modelBuilder.Entity<ConnectAccount>(e =>
        {
            e.ToTable("ConnectAccounts");
            e.HasKey(a => a.TenantId);
            e.HasQueryFilter(a => a.TenantId == db.TenantId);
            e.HasIndex(a => a.AccountId).IsUnique();
            e.Property(a => a.AccountId).HasMaxLength(255);
        });
    }

    /// <summary>The account Checkout charges on for this business: a page's explicit <c>settings.stripeAccount</c>, else the connected one once it takes charges; null = the platform.</summary>
    public static async Task<string?> ChargeAccountAsync(BookwellDb db, string? pageAccount, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (pageAccount is not null)
        {
            return pageAccount;
        }
        return await db.Set<ConnectAccount>().AsNoTracking().Where(a => a.ChargesEnabled).Select(a => a.AccountId).FirstOrDefaultAsync(ct);
    }

    /// <summary>Reads the account back from Stripe and stores what it says.</summary>
    public static async Task<ConnectAccount?> RefreshAsync(BookwellDb db, StripeGateway gateway, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gateway);
        var row = await db.Set<ConnectAccount>().FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }
        var state = await gateway.GetAccountAsync(row.AccountId, ct);
        row.ChargesEnabled = state.ChargesEnabled;
        row.DetailsSubmitted = state.DetailsSubmitted;
        row.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        return row;
    }

    /// <summary>The account of this business (made once), and a fresh onboarding link for it.</summary>
    public static async Task<string> OnboardingLinkAsync(BookwellDb db, StripeGateway gateway, string baseUrl, string? email, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gateway);
        var row = await db.Set<ConnectAccount>().FirstOrDefaultAsync(ct);
        if (row is null)
        {
            var made = await gateway.CreateAccountAsync(db.TenantId, email, ct);
            row = new ConnectAccount
            {
                TenantId = db.TenantId,
                AccountId = made.Id,
                ChargesEnabled = made.ChargesEnabled,
                DetailsSubmitted = made.DetailsSubmitted,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Set<ConnectAccount>().Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (Bookings.Conflicts.IsLostRace(ex))
            {
                // A second click got here first with the same (idempotent) account.
                db.ChangeTracker.Clear();
                row = await db.Set<ConnectAccount>().FirstAsync(ct);
            }
        }
        return await gateway.AccountLinkAsync(row.AccountId, $"{baseUrl}/admin/connect?step=refresh", $"{baseUrl}/admin/connect?step=return", ct);
    }

    public static readonly TextSet Words = new("connect",
        new Dictionary<string, string>
        {
            ["title"] = "Stripe account",
            ["intro"] = "Connect your own Stripe account so that online payments go straight to your business. Until it is connected, payments go to the platform's account.",
            ["not-connected"] = "Not connected: payments go to the platform's account.",
            ["pending"] = "Connected ({0}), but Stripe cannot take payments for it yet: finish the forms at Stripe.",
            ["connected"] = "Connected ({0}): payments go to your Stripe account.",
            ["fee"] = "The platform keeps {0}% of each payment.",
            ["connect"] = "Connect with Stripe",
            ["continue"] = "Continue at Stripe",
            ["check"] = "Check again",
            ["unavailable"] = "Stripe could not be reached. Please try again in a minute.",
            ["no-stripe"] = "This server takes no payments online (no Stripe keys are set).",
            ["configured"] = "A page names its own Stripe account in its settings ({0}); that page's payments go there.",
        },
        new Dictionary<string, string>
        {
            ["title"] = "Stripe-account",
            ["intro"] = "Koppel je eigen Stripe-account, dan gaan online betalingen rechtstreeks naar je bedrijf. Zolang er niets gekoppeld is, gaan betalingen naar het account van het platform.",
            ["not-connected"] = "Niet gekoppeld: betalingen gaan naar het account van het platform.",
            ["pending"] = "Gekoppeld ({0}), maar Stripe kan er nog geen betalingen voor aannemen: rond de formulieren bij Stripe af.",
            ["connected"] = "Gekoppeld ({0}): betalingen gaan naar je eigen Stripe-account.",
            ["fee"] = "Het platform houdt {0}% van elke betaling.",
            ["connect"] = "Koppelen met Stripe",
            ["continue"] = "Verder bij Stripe",
            ["check"] = "Opnieuw controleren",
            ["unavailable"] = "Stripe is niet bereikbaar. Probeer het over een minuut opnieuw.",
            ["no-stripe"] = "Deze server neemt geen online betalingen aan (er zijn geen Stripe-sleutels ingesteld).",
            ["configured"] = "Een pagina noemt in haar instellingen een eigen Stripe-account ({0}); de betalingen van die pagina gaan daarheen.",
        });
}
