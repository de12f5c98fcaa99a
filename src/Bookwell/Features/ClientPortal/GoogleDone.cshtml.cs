using System.Security.Claims;
using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.ClientPortal;

/// <summary>
/// Where a Google sign-in lands once the handler has checked state, nonce and signature. Only an address Google
/// says is verified counts. A Google account already linked signs its client in. An address that is a client's
/// but not linked is never linked on Google's word alone: a sign-in link goes to the address, and opening it in
/// this browser links the two. An address no client has becomes a new client, signed in.
/// </summary>
public sealed class GoogleDoneModel(BookwellDb db, CatalogCache cache, ClientAccounts accounts, ClientSignIn signIn, IDataProtectionProvider protection,
    IClock clock, SqliteWriteGate gate, ClientGoogle google) : PortalPage(db, cache)
{
    public enum Result { Failed, Unverified, LinkSent }

    public Result Outcome { get; private set; }
    public string? Email { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!google.Enabled)
        {
            return NotFound();
        }
        await LoadSiteAsync(null, ct);
        var external = await HttpContext.AuthenticateAsync(ClientGoogle.ExternalScheme);
        await HttpContext.SignOutAsync(ClientGoogle.ExternalScheme);
        var user = external.Succeeded ? external.Principal : null;
        var subject = user?.FindFirstValue("sub");
        var email = user?.FindFirstValue("email")?.Trim();
        if (user is null || user.FindFirstValue(BookwellClaims.Tenant) != Db.TenantId.ToString() || string.IsNullOrEmpty(subject) || subject.Length > 255)
        {
            return Refuse(Result.Failed);
        }
        if (!string.Equals(user.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase) || !ClientSignIn.IsValidEmail(email))
        {
            return Refuse(Result.Unverified);
        }
        var linked = await Db.ClientAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.GoogleSubject == subject, ct);
        if (linked is not null &&
            await ClientAccounts.SurvivorAsync(Db, await Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.Id == linked.CustomerId && c.ErasedAt == null, ct), ct) is { } client)
        {
            // A Google account linked to a profile that was merged away signs in as the kept profile, with that profile's account.
            return await SignInAsync(client, client.Id == linked.CustomerId ? linked : await accounts.FindAsync(client.Id, ct) ?? linked);
        }
        var normalized = email!.ToUpperInvariant();
        var existing = await Db.Customers.AsNoTracking().FirstOrDefaultAsync(c => c.EmailNormalized == normalized, ct);
        if (existing is null && await CreateAsync(email, normalized, user.FindFirstValue("name"), subject, ct) is { } created)
        {
            return await SignInAsync(created.Customer, created.Account);
        }
        // The address is a client's (or became one just now): prove it by a link before anything is linked.
        ClientGoogle.RememberPending(HttpContext, protection,
            new ClientGoogle.Pending(Db.TenantId, subject, normalized, clock.GetCurrentInstant() + ClientGoogle.PendingLifetime));
        await signIn.RequestAsync(email, ct);
        Email = email;
        Outcome = Result.LinkSent;
        return Page();
    }

    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult Refuse(Result result)
    {
        Outcome = result;
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Page();
    }

    private async Task<IActionResult> SignInAsync(Customer customer, ClientAccount account)
    {
        await HttpContext.SignInAsync(ClientPortalSetup.Scheme, accounts.Principal(customer, account, "google"));
        return Redirect("/account");
    }

    private async Task<(Customer Customer, ClientAccount Account)?> CreateAsync(string email, string normalized, string? name, string subject, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var clean = ContactRules.NameProblem(name) is null ? name!.Trim() : email.Split('@')[0];
        var customer = new Customer
        {
            Id = Ids.New(),
            TenantId = Db.TenantId,
            Email = email,
            EmailNormalized = normalized,
            Name = clean.Length > 200 ? clean[..200] : clean,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var account = new ClientAccount
        {
            Id = Ids.New(),
            TenantId = Db.TenantId,
            CustomerId = customer.Id,
            GoogleSubject = subject,
            SecurityStamp = ClientAccounts.NewStamp(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        using (await gate.EnterAsync(Db, ct))
        {
            Db.Customers.Add(customer);
            Db.ClientAccounts.Add(account);
            try
            {
                await Db.SaveChangesAsync(ct);
                return (customer, account);
            }
            catch (DbUpdateException)
            {
                // The address (or this Google account) arrived another way meanwhile: treated as an existing client.
                return null;
            }
            finally
            {
                Db.ChangeTracker.Clear();
            }
        }
    }
}
