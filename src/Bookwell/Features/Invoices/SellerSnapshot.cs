using System.Text.Json;
using Bookwell.Data;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Invoices;

/// <summary>
/// The seller's block as it stood when money was taken (<see cref="Payment.Seller"/>, JSON): the page's name and its
/// <c>settings.invoicing</c> details. A credit note of a booking without an invoice (money that arrived after the time
/// was given away, a no-show fee) prints these, so changing the page's details later never rewrites whom the client paid.
/// </summary>
public sealed record SellerSnapshot(string Name, string? LegalName, string? Address, string? VatNumber, string? RegistrationNumber, string? Footer)
{
    /// <summary>The page's details now, as an invoice issued now would print them; null without a page.</summary>
    public static SellerSnapshot? For(CompiledPage? page)
    {
        if (page is null)
        {
            return null;
        }
        var seller = InvoiceSeller.For(page, null);
        return new SellerSnapshot(Cut(page.Doc.Name ?? page.Doc.Slug ?? "", 200), seller.LegalName, (seller.Address ?? InvoiceIssuer.BusinessAddress(page)) is { } a ? Cut(a, 500) : null,
            seller.VatNumber, seller.RegistrationNumber, seller.Footer);
    }

    /// <summary>The snapshot for a payment of <paramref name="pageSlug"/> taken now, read from the business's stored configuration (any tenant).</summary>
    public static async Task<string?> JsonForAsync(BookwellDb db, Guid tenantId, string pageSlug, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.ConfigJson).FirstOrDefaultAsync(ct);
        var doc = json is null ? null : JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options);
        return doc is null ? null : For(CatalogCache.Compile(0, doc).Pages.GetValueOrDefault(pageSlug))?.ToJson();
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json.Options);

    public static SellerSnapshot? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<SellerSnapshot>(json, Json.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Cut(string value, int max) => value.Length > max ? value[..max] : value;
}
