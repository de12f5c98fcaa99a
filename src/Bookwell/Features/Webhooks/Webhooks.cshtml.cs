using Bookwell.Data;
using Bookwell.Features.Accounts;
using Bookwell.Features.Admin;
using Bookwell.Features.Notifications;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace Bookwell.Features.Webhooks;

/// <summary>
/// The business's webhook endpoints and their recent deliveries: add (with a secret given or made here and shown
/// once), remove, and send a test event. Every change goes through the same document rules as the API's PUT.
/// </summary>
[Authorize(Policy = Policies.Manager)]
public sealed class WebhooksModel(SqliteWriteGate gate, IDataProtectionProvider protection, WebhookOptions options, OutboxSignal signal) : AdminPageModel
{
    public IReadOnlyList<WebhookEndpoint> Endpoints { get; private set; } = [];

    public IReadOnlyList<WebhookDelivery> Deliveries { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Endpoints = await WebhookSettings.ActiveAsync(Db, ct);
        Deliveries = await WebhookEndpoints.RecentAsync(Db, 50, ct);
    }

    public async Task<IActionResult> OnPostAddAsync(string? url, string[]? events, string? secret, CancellationToken ct)
    {
        var made = string.IsNullOrWhiteSpace(secret);
        var key = made ? WebhookSignature.Create() : secret!.Trim();
        var current = await WebhookSettings.ActiveAsync(Db, ct);
        // Existing endpoints keep their secrets (omitted); the new one is added after them.
        var doc = new WebhookDocument([
            .. current.Select(e => (WebhookEndpointDoc?)new WebhookEndpointDoc(e.Url, [.. e.EventList], null)),
            new WebhookEndpointDoc(url?.Trim(), events is null ? null : [.. events], key),
        ]);
        var (result, errors) = await WebhookSettings.ApplyAsync(Db, gate, protection, options, doc, Clock.GetCurrentInstant(), ct);
        TempData["Flash"] = result is null
            ? WebhookText.Words.Format("not-added", string.Join(" ", errors.ToDictionary().Values.SelectMany(v => v)))
            : made ? WebhookText.Words.Format("added-secret", key) : WebhookText.Words["added"];
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, CancellationToken ct)
    {
        var current = await WebhookSettings.ActiveAsync(Db, ct);
        var doc = new WebhookDocument([.. current.Where(e => e.Id != id).Select(e => (WebhookEndpointDoc?)new WebhookEndpointDoc(e.Url, [.. e.EventList], null))]);
        await WebhookSettings.ApplyAsync(Db, gate, protection, options, doc, Clock.GetCurrentInstant(), ct);
        TempData["Flash"] = WebhookText.Words["removed"];
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostTestAsync(CancellationToken ct)
    {
        var queued = await WebhookEndpoints.QueueTestAsync(Db, gate, signal, Clock.GetCurrentInstant(), ct);
        TempData["Flash"] = queued.Count == 0 ? WebhookText.Words["test-none"] : WebhookText.Words.Format("test-sent", queued.Count);
        return RedirectToPage();
    }
}
