using Bookwell.Data;
using Bookwell.Features.Calendars;
using Bookwell.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Bookwell.Features.Webhooks;

/// <summary>The document of <c>PUT /api/v1/admin/webhooks</c>.</summary>
public sealed record WebhookDocument(List<WebhookEndpointDoc?>? Endpoints);

/// <summary>
/// One endpoint as written. <c>secret</c> may be left out (or null) for an endpoint whose URL is already configured:
/// it then keeps its stored secret, so the document that GET returns can be sent back unchanged.
/// </summary>
public sealed record WebhookEndpointDoc(string? Url, List<string?>? Events, string? Secret);

/// <summary>What GET returns: the endpoints without their secrets.</summary>
public sealed record WebhookEndpointView(string Id, string Url, IReadOnlyList<string> Events);

public sealed record WebhookList(IReadOnlyList<WebhookEndpointView> Endpoints);

/// <summary>Validates and applies the webhook document (contract 4.7), idempotently, like the configuration document.</summary>
public static class WebhookSettings
{
    public const string Purpose = "bookwell.webhook-secret";

    /// <summary>Field errors for the document; <paramref name="known"/> are the URLs already configured (they may omit the secret).</summary>
    public static Errors Validate(WebhookDocument doc, ISet<string> known, bool allowPrivateAddresses)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(known);
        var e = new Errors();
        if (doc.Endpoints is null)
        {
            e.Add("endpoints", "Required: a list of endpoints (empty to remove them all).");
            return e;
        }
        if (doc.Endpoints.Count > WebhookOptions.MaxEndpoints)
        {
            e.Add("endpoints", $"At most {WebhookOptions.MaxEndpoints} endpoints.");
            return e;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < doc.Endpoints.Count; i++)
        {
            var p = $"endpoints[{i}]";
            if (doc.Endpoints[i] is not { } endpoint)
            {
                e.Add(p, "Required: an object with url, events and secret.");
                continue;
            }
            if (UrlProblem(endpoint.Url, allowPrivateAddresses) is { } problem)
            {
                e.Add($"{p}.url", problem);
            }
            else if (!seen.Add(endpoint.Url!))
            {
                e.Add($"{p}.url", "Listed twice.");
            }
            if (endpoint.Events is null || endpoint.Events.Count == 0)
            {
                e.Add($"{p}.events", $"Required: at least one of {string.Join(", ", WebhookEvents.All)}.");
            }
            else if (endpoint.Events.Count > WebhookEvents.All.Count)
            {
                e.Add($"{p}.events", $"At most {WebhookEvents.All.Count} events.");
            }
            else
            {
                var events = new HashSet<string>(StringComparer.Ordinal);
                for (var j = 0; j < endpoint.Events.Count; j++)
                {
                    var name = endpoint.Events[j];
                    if (name is null || !WebhookEvents.All.Contains(name))
                    {
                        e.Add($"{p}.events[{j}]", $"Unknown event; use one of: {string.Join(", ", WebhookEvents.All)}.");
                    }
                    else if (!events.Add(name))
                    {
                        e.Add($"{p}.events[{j}]", "Listed twice.");
                    }
                }
            }
            if (endpoint.Secret is null)
            {
                if (endpoint.Url is null || !known.Contains(endpoint.Url))
                {
                    e.Add($"{p}.secret", "Required for a new endpoint: whsec_ followed by 24 to 64 random bytes in base64.");
                }
            }
            else if (WebhookSignature.Key(endpoint.Secret) is null)
            {
                e.Add($"{p}.secret", "Must be whsec_ followed by 24 to 64 bytes in base64 (Standard Webhooks).");
            }
        }
        return e;
    }

    /// <summary>Why a URL cannot receive webhooks, or null. The real guard is at connect time (<see cref="AddressRules.ConnectAsync"/>); this catches the obvious early.</summary>
    public static string? UrlProblem(string? url, bool allowPrivateAddresses)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Required: the https (or http) address that receives the events.";
        }
        if (url.Length > WebhookOptions.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
            url.Any(char.IsWhiteSpace))
        {
            return $"Must be an absolute http(s) URL of at most {WebhookOptions.MaxUrlLength} characters.";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "Must not hold a user name or password.";
        }
        if (uri.Fragment.Length > 0)
        {
            return "Must not have a fragment (#...).";
        }
        if (!allowPrivateAddresses && AddressRules.HostRefusal(uri) is not null)
        {
            return "Refused: private, loopback and link-local addresses cannot receive webhooks.";
        }
        return null;
    }

    public static async Task<List<WebhookEndpoint>> ActiveAsync(BookwellDb db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.WebhookEndpoints.AsNoTracking().Where(w => w.Active).OrderBy(w => w.CreatedAt).ThenBy(w => w.Url).ToListAsync(ct);
    }

    public static WebhookList View(IEnumerable<WebhookEndpoint> endpoints) =>
        new([.. endpoints.Select(w => new WebhookEndpointView(w.Id.ToString(), w.Url, w.EventList))]);

    /// <summary>
    /// Reads and validates the document, then applies it: endpoints keyed by URL are added, updated (events, secret)
    /// only where something differs, and those absent are deactivated. Applying the same document twice changes nothing.
    /// </summary>
    public static async Task<(WebhookList? Result, Errors Errors)> ApplyAsync(BookwellDb db, SqliteWriteGate gate, IDataProtectionProvider protection,
        WebhookOptions options, WebhookDocument doc, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(doc);
        var protector = protection.CreateProtector(Purpose);
        using (await gate.EnterAsync(db, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var stored = await db.WebhookEndpoints.ToListAsync(ct);
            var known = stored.Where(w => w.Active).Select(w => w.Url).ToHashSet(StringComparer.Ordinal);
            var errors = Validate(doc, known, options.AllowPrivateAddresses);
            if (errors.Any)
            {
                return (null, errors);
            }
            var byHash = stored.ToDictionary(w => w.UrlHash, StringComparer.Ordinal);
            var wanted = new HashSet<Guid>();
            foreach (var endpoint in doc.Endpoints!)
            {
                var url = endpoint!.Url!;
                var events = string.Join(',', endpoint.Events!);
                if (byHash.TryGetValue(WebhookEndpoint.Hash(url), out var row))
                {
                    wanted.Add(row.Id);
                    var changed = false;
                    if (!row.Active)
                    {
                        if (endpoint.Secret is null)
                        {
                            // Only an active endpoint may keep its secret silently; a revived one must name it again.
                            errors.Add($"endpoints[{doc.Endpoints.IndexOf(endpoint)}].secret", "Required for a new endpoint: whsec_ followed by 24 to 64 random bytes in base64.");
                            continue;
                        }
                        row.Active = true;
                        changed = true;
                    }
                    if (row.Events != events)
                    {
                        row.Events = events;
                        changed = true;
                    }
                    if (endpoint.Secret is { } secret && Unseal(protection, row.SecretSealed) != secret)
                    {
                        row.SecretSealed = protector.Protect(secret);
                        changed = true;
                    }
                    if (changed)
                    {
                        row.UpdatedAt = now;
                    }
                }
                else
                {
                    var added = new WebhookEndpoint
                    {
                        Id = Ids.New(),
                        TenantId = db.TenantId,
                        Url = url,
                        UrlHash = WebhookEndpoint.Hash(url),
                        Events = events,
                        SecretSealed = protector.Protect(endpoint.Secret!),
                        CreatedAt = now,
                        UpdatedAt = now,
                    };
                    db.WebhookEndpoints.Add(added);
                    byHash[added.UrlHash] = added;
                    wanted.Add(added.Id);
                }
            }
            if (errors.Any)
            {
                return (null, errors);
            }
            foreach (var row in stored.Where(w => w.Active && !wanted.Contains(w.Id)))
            {
                row.Active = false;
                row.UpdatedAt = now;
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            WebhookQueue.Invalidate(db, db.TenantId);
        }
        return (View(await ActiveAsync(db, ct)), new Errors());
    }

    /// <summary>The secret in the clear, or null when the key ring no longer opens it.</summary>
    public static string? Unseal(IDataProtectionProvider protection, string sealedSecret)
    {
        ArgumentNullException.ThrowIfNull(protection);
        try
        {
            return protection.CreateProtector(Purpose).Unprotect(sealedSecret);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
