using System.Globalization;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Admin;

/// <summary>What an import does with a client whose address is already known.</summary>
public enum ImportExisting
{
    Update,
    Skip,
}

public enum ImportAction
{
    Add,
    Update,
    /// <summary>Known, and the file says nothing new about them (so importing a file twice changes nothing).</summary>
    Unchanged,
    /// <summary>Known, and the import was asked to leave known clients alone.</summary>
    Skip,
    Error,
}

/// <summary>One line of the file as read and judged: the values (phone in E.164), what importing it would do, and its problems by field.</summary>
public sealed record ImportRow(int Line, string Name, string Email, string? Phone, bool Marketing, IReadOnlyList<string> Tags, ImportAction Action,
    IReadOnlyList<KeyValuePair<string, string>> Errors, Guid? ExistingId);

/// <summary>The whole file judged: its rows, or one problem with the file itself (not CSV, too big, no header).</summary>
public sealed record ImportPlan(IReadOnlyList<ImportRow> Rows, string? FileError)
{
    public bool Importable => FileError is null && Rows.Count > 0 && Rows.All(r => r.Action != ImportAction.Error);

    public int Count(ImportAction action) => Rows.Count(r => r.Action == action);
}

public sealed record ImportRowView(int Line, string Email, string Action, IReadOnlyDictionary<string, string[]> Errors);

public sealed record ImportResult(bool Imported, int Added, int Updated, int Unchanged, int Skipped, IReadOnlyList<ImportRowView> Rows);

/// <summary>
/// Clients from a CSV file (RFC 4180, see <see cref="Csv"/>): a header line naming the columns <c>name</c> and
/// <c>email</c> (required), <c>phone</c>, <c>marketing</c> (or <c>marketing_opt_in</c>: yes/no) and <c>tags</c>
/// (separated by spaces or commas), in any order, others ignored, so the customer list's own CSV imports again. Every
/// line is checked first (e-mail, phone read into E.164 in the business's country, an address twice in the file,
/// a known client updated or skipped as asked); with any problem nothing is imported, otherwise every line in one
/// transaction. A "yes" for marketing records consent with source <c>import</c>; an import never withdraws consent.
/// Each client added or changed gets an audit entry.
/// </summary>
public static class CustomerImport
{
    public const int MaxBytes = 1_048_576;
    public const int MaxRows = 5000;

    public static string RegionOf(TenantCatalog catalog, IConfiguration config) =>
        ContactRules.RegionOf(AdminCustomerEndpoints.ZoneOf(catalog)) ?? Notifications.SmsOptions.DefaultRegion(config);

    /// <summary>The file as text: UTF-8 (a byte order mark is dropped by the reader), at most <see cref="MaxBytes"/>; null when it is not.</summary>
    public static async Task<(string? Text, string? Error)> ReadAsync(Stream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, $"The file is larger than {MaxBytes / 1024} KB.");
            }
            buffer.Write(chunk, 0, read);
        }
        try
        {
            return (new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, "The file is not UTF-8 text.");
        }
    }

    public static async Task<ImportPlan> PlanAsync(BookwellDb db, string csv, ImportExisting existing, string region, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(csv);
        if (Encoding.UTF8.GetByteCount(csv) > MaxBytes)
        {
            return new ImportPlan([], $"The file is larger than {MaxBytes / 1024} KB.");
        }
        var (records, error) = Csv.Parse(csv, MaxRows + 1);
        if (error is not null)
        {
            return new ImportPlan([], error);
        }
        if (records.Count == 0)
        {
            return new ImportPlan([], "The file is empty.");
        }
        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Column(params string[] names) => header.FindIndex(h => names.Contains(h, StringComparer.Ordinal));
        var (nameAt, emailAt, phoneAt, marketingAt, tagsAt) = (Column("name"), Column("email", "e-mail"), Column("phone"), Column("marketing", "marketing_opt_in"), Column("tags"));
        if (nameAt < 0 || emailAt < 0)
        {
            return new ImportPlan([], "The first line must name the columns, with at least name and email.");
        }
        if (records.Count == 1)
        {
            return new ImportPlan([], "The file has no clients below its header.");
        }
        var lines = records.Skip(1).ToList();
        var emails = lines.Select(r => Cell(r, emailAt).Trim().ToUpperInvariant()).Where(e => e.Length is > 0 and <= ContactRules.MaxEmailLength).Distinct().ToList();
        var known = new Dictionary<string, Customer>(StringComparer.Ordinal);
        foreach (var part in emails.Chunk(500))
        {
            foreach (var c in await db.Customers.AsNoTracking().Where(c => part.Contains(c.EmailNormalized)).ToListAsync(ct))
            {
                known[c.EmailNormalized] = c;
            }
        }
        var kept = known.Values.Where(c => c.MergedIntoId is not null).Select(c => c.MergedIntoId!.Value).Distinct().ToList();
        var winners = await db.Customers.AsNoTracking().Where(c => kept.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var ids = known.Values.Select(c => c.MergedIntoId ?? c.Id).Distinct().ToList();
        var tagsHeld = (await db.CustomerTags.AsNoTracking().Where(t => ids.Contains(t.CustomerId)).Select(t => new { t.CustomerId, t.Tag }).ToListAsync(ct))
            .ToLookup(t => t.CustomerId, t => t.Tag);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var rows = new List<ImportRow>();
        foreach (var r in lines)
        {
            var errors = new List<KeyValuePair<string, string>>();
            var name = Csv.Unguard(Cell(r, nameAt)).Trim();
            var email = Cell(r, emailAt).Trim();
            var rawPhone = Csv.Unguard(Cell(r, phoneAt)).Trim();
            if (ContactRules.NameProblem(name) is { } nameProblem)
            {
                errors.Add(new("name", nameProblem));
            }
            if (email.Length == 0)
            {
                errors.Add(new("email", "Required."));
            }
            else if (!ContactRules.IsEmail(email))
            {
                errors.Add(new("email", ContactRules.EmailMessage));
            }
            string? phone = null;
            if (rawPhone.Length > 0)
            {
                phone = ContactRules.IsPhone(rawPhone, region) ? Phone.ToE164(rawPhone, region) : null;
                if (phone is null)
                {
                    errors.Add(new("phone", ContactRules.PhoneMessage));
                }
            }
            var marketing = false;
            switch (Cell(r, marketingAt).Trim().ToLowerInvariant())
            {
                case "" or "no" or "false" or "0" or "n" or "nee":
                    break;
                case "yes" or "true" or "1" or "y" or "ja":
                    marketing = true;
                    break;
                default:
                    errors.Add(new("marketing", "Must be yes or no."));
                    break;
            }
            var tags = new List<string>();
            foreach (var raw in Cell(r, tagsAt).Split([' ', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (CustomerDirectory.NormalizeTag(raw) is { } tag)
                {
                    if (!tags.Contains(tag))
                    {
                        tags.Add(tag);
                    }
                }
                else
                {
                    errors.Add(new("tags", CustomerDirectory.TagRule));
                    break;
                }
            }
            if (tags.Count > 20)
            {
                errors.Add(new("tags", "At most 20 tags."));
            }
            var normalized = email.ToUpperInvariant();
            if (email.Length > 0 && seen.TryGetValue(normalized, out var first))
            {
                errors.Add(new("email", string.Create(CultureInfo.InvariantCulture, $"Appears twice in this file (line {first}).")));
            }
            else if (email.Length > 0)
            {
                seen[normalized] = r.Line;
            }
            Customer? existingClient = null;
            if (known.TryGetValue(normalized, out var match))
            {
                existingClient = match.MergedIntoId is { } w && winners.TryGetValue(w, out var winner) ? winner : match;
            }
            var action = errors.Count > 0 ? ImportAction.Error
                : existingClient is null ? ImportAction.Add
                : existing == ImportExisting.Skip ? ImportAction.Skip
                : Changes(existingClient, name, phone, marketing, tags, tagsHeld[existingClient.Id]) ? ImportAction.Update
                : ImportAction.Unchanged;
            rows.Add(new ImportRow(r.Line, name, email, phone, marketing, tags, action, errors, existingClient?.Id));
        }
        return new ImportPlan(rows, null);
    }

    private static string Cell(CsvRecord r, int at) => at >= 0 && at < r.Cells.Count ? r.Cells[at] : "";

    private static bool Changes(Customer c, string name, string? phone, bool marketing, List<string> tags, IEnumerable<string> held) =>
        !string.Equals(c.Name, name, StringComparison.Ordinal) || (phone is not null && !string.Equals(c.Phone, phone, StringComparison.Ordinal)) ||
        (marketing && !c.MarketingOptIn && !Withdrew(c)) || tags.Except(held, StringComparer.Ordinal).Any();

    /// <summary>
    /// A client who once consented and then withdrew: a file (perhaps exported before the withdrawal) never turns their
    /// consent back on; only the client can, on the booking form or in their preferences.
    /// </summary>
    private static bool Withdrew(Customer c) => !c.MarketingOptIn && c.MailingsOffAt is not null;

    /// <summary>
    /// Checks the file again inside one transaction and, when every line is fine, writes every line there; with any
    /// problem nothing is written. The plan returned says what was (or would have been) done.
    /// </summary>
    public static async Task<(ImportPlan Plan, bool Imported)> ImportAsync(BookwellDb db, SqliteWriteGate gate, string csv, ImportExisting existing, string region,
        string actor, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var plan = await PlanAsync(db, csv, existing, region, ct);
            if (!plan.Importable)
            {
                await tx.RollbackAsync(ct);
                return (plan, false);
            }
            foreach (var row in plan.Rows.Where(r => r.Action is ImportAction.Add or ImportAction.Update))
            {
                Customer c;
                if (row.Action == ImportAction.Add)
                {
                    c = CustomerBook.New(db.TenantId, row.Email, row.Name, now);
                    db.Customers.Add(c);
                }
                else
                {
                    c = await db.Customers.SingleAsync(x => x.Id == row.ExistingId, ct);
                    c.Name = row.Name;
                }
                c.Phone = row.Phone ?? c.Phone;
                if (row.Marketing && !Withdrew(c))
                {
                    Consents.SetMarketing(db, c, true, ConsentSource.Import, now, actor);
                }
                c.UpdatedAt = now;
                var held = row.Action == ImportAction.Add ? [] : await db.CustomerTags.Where(t => t.CustomerId == c.Id).Select(t => t.Tag).ToListAsync(ct);
                foreach (var tag in row.Tags.Except(held, StringComparer.Ordinal))
                {
                    db.CustomerTags.Add(new CustomerTag { TenantId = db.TenantId, CustomerId = c.Id, Tag = tag, At = now });
                }
                CrmAudit.Add(db, actor, CrmAuditAction.Import, c.Id, now);
            }
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateException)
            {
                // A booking added one of these clients meanwhile (the unique address index): nothing is imported.
                await tx.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                return (plan with { FileError = "Clients changed while importing; nothing was imported. Try again." }, false);
            }
            db.ChangeTracker.Clear();
            return (plan, true);
        }
    }

    public static ImportResult Result(ImportPlan plan, bool imported)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new ImportResult(imported, plan.Count(ImportAction.Add), plan.Count(ImportAction.Update), plan.Count(ImportAction.Unchanged), plan.Count(ImportAction.Skip),
            [.. plan.Rows.Select(r => new ImportRowView(r.Line, r.Email, r.Action.ToString().ToLowerInvariant(),
                r.Errors.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToArray())))]);
    }

    /// <summary>
    /// <c>POST /api/v1/admin/customers/import?existing=update|skip&amp;dryRun=true</c> with the CSV as the body
    /// (<c>text/csv</c>, at most 1 MB): <c>200</c> with what was done (or, with <c>dryRun</c>, would be); any line with a
    /// problem → <c>400</c> problem details, errors keyed <c>line{n}.{field}</c>, and nothing imported.
    /// </summary>
    public static async Task<IResult> ImportEndpointAsync(HttpContext http, string? existing, string? dryRun, BookwellDb db, SqliteWriteGate gate, CatalogCache cache,
        IConfiguration config, IClock clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(cache);
        var mode = existing switch
        {
            null or "" or "update" => ImportExisting.Update,
            "skip" => ImportExisting.Skip,
            _ => (ImportExisting?)null,
        };
        if (mode is null)
        {
            return Problems.Validation("existing", "Must be update or skip.");
        }
        var dry = dryRun is "true" or "1";
        if (http.Request.ContentType is { } type && !type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase)
            && !type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(title: "Unsupported media type", detail: "Send the CSV file as the body with Content-Type text/csv.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        var (text, readError) = await ReadAsync(http.Request.Body, ct);
        if (text is null)
        {
            return Problems.Validation("file", readError!);
        }
        var region = RegionOf(await cache.GetAsync(db, ct), config);
        var (plan, imported) = dry
            ? (await PlanAsync(db, text, mode.Value, region, ct), false)
            : await ImportAsync(db, gate, text, mode.Value, region, CrmAudit.ActorOf(http), clock.GetCurrentInstant(), ct);
        if (plan.FileError is { } fileError)
        {
            return Problems.Validation("file", fileError);
        }
        if (!plan.Importable)
        {
            var e = new Errors();
            foreach (var row in plan.Rows)
            {
                foreach (var (field, message) in row.Errors)
                {
                    e.Add(string.Create(CultureInfo.InvariantCulture, $"line{row.Line}.{field}"), message);
                }
            }
            return Problems.Validation(e);
        }
        return TypedResults.Ok(Result(plan, imported));
    }
}
