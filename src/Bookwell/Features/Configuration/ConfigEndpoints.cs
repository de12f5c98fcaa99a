using System.Text.Json;
using Bookwell.Data;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Configuration;

public static class ConfigEndpoints
{
    public const int MaxDocumentBytes = 2 * 1024 * 1024;

    public static RouteGroupBuilder MapConfiguration(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/config", GetConfig).WithName("GetConfig").WithTags("Configuration");
        admin.MapPut("/config", PutConfig).WithName("PutConfig").WithTags("Configuration")
            .Accepts<ConfigDocument>("application/json");
        return admin;
    }

    private static async Task<Ok<ConfigDocument>> GetConfig(BookwellDb db, CatalogCache cache, CancellationToken ct) =>
        TypedResults.Ok((await cache.GetAsync(db, ct)).Document);

    private static async Task<Results<Ok<ConfigDocument>, ProblemHttpResult>> PutConfig(HttpRequest request, ConfigApplier applier, CancellationToken ct)
    {
        var (doc, errors) = await JsonBody.ReadAsync<ConfigDocument>(request, MaxDocumentBytes, Json.Options);
        if (doc is null)
        {
            return Problems.Validation(errors, "The configuration document is not valid");
        }
        var result = await applier.ApplyAsync(doc, ct);
        return result.Errors.Any ? Problems.Validation(result.Errors, "The configuration document is not valid") : TypedResults.Ok(result.Document);
    }
}

/// <summary>
/// Validates a whole document and stores it normalised. Applying the same document again writes nothing, so
/// the version (and every node's cache) stays put.
/// </summary>
public sealed class ConfigApplier(BookwellDb db, IClock clock, CatalogCache cache, Payments.PaymentProviders providers,
    Calendars.CalendarOptions calendarOptions, SqliteWriteGate gate, Invoices.InvoiceLogo logos, Calendars.CalendarSync calendars)
{
    public sealed record Result(ConfigDocument Document, Errors Errors, bool Changed);

    public async Task<Result> ApplyAsync(ConfigDocument doc, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var errors = ConfigValidator.Validate(doc, calendarOptions.AllowPrivateAddresses);
        Payments.PaymentRules.RequireProvider(doc, errors, providers);
        if (!errors.Any)
        {
            await Invoices.InvoiceNumberClash.CheckAsync(db, (await cache.GetAsync(db, ct)).Document, doc, errors, clock.GetCurrentInstant(), ct);
        }
        if (errors.Any)
        {
            return new Result(doc, errors, false);
        }
        var before = await cache.GetAsync(db, ct);
        var stored = await StoreAsync(doc, errors, ct);
        if (!stored.Errors.Any && stored.Changed)
        {
            // Busy sources added or changed are read now (contract 4.9: their events are busy time), not at the next pass.
            await calendars.ReadChangedSourcesAsync(db.TenantId, before, await cache.GetAsync(db, ct), calendarOptions.FirstReadWait);
        }
        if (!stored.Errors.Any)
        {
            // The pages' logos fetched after the commit and outside the write lock, so invoices issued next keep them
            // (issuing never waits on the network): all of them when the document changed, else those never or long ago fetched.
            await logos.CapturePagesAsync(db, db.TenantId, doc, stored.Changed, ct);
        }
        return stored;
    }

    private async Task<Result> StoreAsync(ConfigDocument doc, Errors errors, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(doc, Json.Options);
        for (var attempt = 0; ; attempt++)
        {
            // Under the lock every seat is taken under (the write gate, then the business's busy version; Allocator.AddAsync):
            // a booking written at the same moment is either counted below or, written after this commit, seated by this
            // document's capacity. No future class session may end up with fewer seats than it has booked.
            using var writeLock = await gate.EnterAsync(db, ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await Availability.BusyVersions.BumpAsync(db, db.TenantId, ct);
            await Classes.ClassCapacityGuard.CheckAsync(db, await cache.GetAsync(db, ct), doc, clock.GetCurrentInstant(), errors, ct);
            if (errors.Any)
            {
                await tx.RollbackAsync(ct);
                return new Result(doc, errors, false);
            }
            var tenant = await db.Tenants.FirstAsync(t => t.Id == db.TenantId, ct);
            if (tenant.ConfigJson == json)
            {
                await tx.RollbackAsync(ct);
                return new Result(doc, errors, false);
            }
            tenant.ConfigJson = json;
            tenant.ConfigVersion++;
            tenant.UpdatedAt = clock.GetCurrentInstant();
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                cache.Invalidate(db.TenantId);
                return new Result(doc, errors, true);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
                await tx.RollbackAsync(ct);
                // Another node applied a document at the same moment: the last writer wins, as with any PUT.
                db.ChangeTracker.Clear();
            }
        }
    }
}
