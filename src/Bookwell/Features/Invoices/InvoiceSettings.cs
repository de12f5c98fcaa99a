using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Bookwell.Features.Configuration;
using Bookwell.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Bookwell.Features.Invoices;

/// <summary>
/// Page setting <c>settings.invoicing</c> (additive): the seller's details printed on every invoice of the page, whether
/// the page's prices include tax, days until an invoice is due, and the number prefix. Absent: today's invoices
/// (prices include tax, the installation's due days, plain six-digit numbers).
/// </summary>
public sealed class InvoicingDoc
{
    public string? LegalName { get; set; }
    public string? Address { get; set; }
    public string? VatNumber { get; set; }
    /// <summary>Chamber of commerce (KvK) or company registration number.</summary>
    public string? RegistrationNumber { get; set; }
    /// <summary>An IBAN (checked with its mod-97 check digits); spaces allowed.</summary>
    public string? BankAccount { get; set; }
    /// <summary>Default true: prices are entered tax-inclusive. False: prices are net and tax is added on top.</summary>
    public bool? PricesIncludeTax { get; set; }
    /// <summary>Days from issue to due date; absent: the installation's <c>Bookwell:Invoices:DueDays</c> (default 1).</summary>
    public int? DueDays { get; set; }
    /// <summary>
    /// Printed before the number, e.g. <c>INV-</c> or <c>INV-{yyyy}-</c>. With <c>{yyyy}</c> the series restarts at 1 each
    /// calendar year (of the issue date). Numbering is per business, so only the first page of the document sets it
    /// (other pages may repeat the same value or leave it out).
    /// </summary>
    public string? NumberPrefix { get; set; }
    /// <summary>A note printed at the foot of every invoice (payment terms, a thank-you).</summary>
    public string? Footer { get; set; }
    /// <summary>
    /// The sheet invoices, receipts and credit notes print on: <c>auto</c> (absent: the currency's country decides, Letter for
    /// the dollar and peso countries that print on it), <c>A4</c> or <c>Letter</c>. Read when a PDF is printed, not kept on the document: the paper is
    /// how it is printed, not what it says.
    /// </summary>
    public string? Paper { get; set; }
}

/// <summary>What an invoice copies from the business when it is issued.</summary>
public sealed record InvoiceSeller(string? LegalName, string? Address, string? VatNumber, string? RegistrationNumber, string? BankAccount,
    bool PricesIncludeTax, int? DueDays, string NumberPrefix, string? Footer)
{
    public static readonly InvoiceSeller None = new(null, null, null, null, null, true, null, "", null);

    /// <summary>The page's invoicing settings with the business-wide number prefix (the document's first page).</summary>
    public static InvoiceSeller For(CompiledPage? page, ConfigDocument? document)
    {
        var doc = page?.Doc.Settings?.Invoicing;
        var prefix = InvoiceSettings.BusinessPrefix(document);
        return doc is null
            ? None with { NumberPrefix = prefix }
            : new InvoiceSeller(Blank(doc.LegalName), Blank(doc.Address), Blank(doc.VatNumber)?.ToUpperInvariant(), Blank(doc.RegistrationNumber),
                doc.BankAccount is null ? null : InvoiceSettings.CompactIban(doc.BankAccount), doc.PricesIncludeTax ?? true, doc.DueDays, prefix, Blank(doc.Footer));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

public static partial class InvoiceSettings
{
    public const string YearToken = "{yyyy}";
    public const int MaxPrefix = 20;

    /// <summary>The values of <see cref="InvoicingDoc.Paper"/>.</summary>
    public static readonly string[] PaperChoices = ["auto", "A4", "Letter"];

    /// <summary>The paper setting of <paramref name="pageSlug"/> as the business's stored configuration has it now (any tenant); null: auto.</summary>
    public static async Task<string?> PaperAsync(Data.BookwellDb db, Guid tenantId, string? pageSlug, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (pageSlug is null)
        {
            return null;
        }
        var json = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.ConfigJson).FirstOrDefaultAsync(ct);
        var doc = json is null ? null : System.Text.Json.JsonSerializer.Deserialize<ConfigDocument>(json, Json.Options);
        return doc?.Pages?.FirstOrDefault(p => p.Slug == pageSlug)?.Settings?.Invoicing?.Paper;
    }

    /// <summary>
    /// A number prefix that is safe wherever the number goes (the PDF's file name, a mail attachment, a bank transfer's
    /// reference, an accounting import): ASCII letters and digits, with <c>-</c>, <c>_</c>, <c>.</c> and <c>/</c> as
    /// separators. It starts with a letter or a digit (or the year token), and no <c>.</c> or <c>/</c> stands next to
    /// another (no <c>..</c>, <c>./</c>, <c>//</c>): so never a path step, a hidden file's dot or an absolute path.
    /// <c>{yyyy}</c> counts as four digits.
    /// </summary>
    public static bool IsSafePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var text = prefix.Replace(YearToken, "2000", StringComparison.Ordinal);
        if (text.Length == 0)
        {
            return true;
        }
        if (!char.IsAsciiLetterOrDigit(text[0]))
        {
            return false;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/'))
            {
                return false;
            }
            if (c is '.' or '/' && i > 0 && text[i - 1] is '.' or '/')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A literal prefix whose numbers would read as credit notes' (CN-000001, <see cref="Refunds.CreditNotes"/>).</summary>
    [GeneratedRegex(@"^CN-[0-9]*$")]
    private static partial Regex CreditNoteForm();

    [GeneratedRegex(@"^[A-Za-z0-9 .\-]{2,20}$")]
    private static partial Regex VatChars();

    [GeneratedRegex(@"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")]
    private static partial Regex IbanShape();

    /// <summary>The number prefix of the business: the first page's (numbering is one series per business).</summary>
    public static string BusinessPrefix(ConfigDocument? document) => document?.Pages?.FirstOrDefault()?.Settings?.Invoicing?.NumberPrefix ?? "";

    /// <summary>The printed number: the prefix (its <c>{yyyy}</c> the issue year) and the counter, zero-padded to six digits.</summary>
    public static string FormatNumber(string prefix, int year, long counter) =>
        prefix.Replace(YearToken, year.ToString("D4", CultureInfo.InvariantCulture), StringComparison.Ordinal) +
        counter.ToString("D6", CultureInfo.InvariantCulture);

    public static bool IsYearly(string prefix) => prefix.Contains(YearToken, StringComparison.Ordinal);

    public static string CompactIban(string iban) => iban.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>ISO 13616: the shape, then the mod-97 check (country and check digits moved to the end, letters as 10..35).</summary>
    public static bool IsIban(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var iban = CompactIban(value);
        if (!IbanShape().IsMatch(iban))
        {
            return false;
        }
        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
        {
            var digits = c is >= '0' and <= '9' ? c - '0' : c - 'A' + 10;
            remainder = digits >= 10 ? ((remainder * 100) + digits) % 97 : ((remainder * 10) + digits) % 97;
        }
        return remainder == 1;
    }

    /// <summary>The IBAN in groups of four, as it is printed.</summary>
    public static string PrintIban(string iban)
    {
        ArgumentNullException.ThrowIfNull(iban);
        var sb = new StringBuilder();
        for (var i = 0; i < iban.Length; i++)
        {
            if (i > 0 && i % 4 == 0)
            {
                sb.Append(' ');
            }
            sb.Append(iban[i]);
        }
        return sb.ToString();
    }

    /// <summary>Checks <c>settings.invoicing</c> field by field and fills its defaults; <paramref name="firstPage"/> is the document's first page.</summary>
    public static void Validate(Errors e, string path, InvoicingDoc? doc, PageDoc? firstPage, bool isFirst)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (doc is null)
        {
            return;
        }
        doc.PricesIncludeTax ??= true;
        void Text(string name, string? value, int max)
        {
            if (value is not null && (value.Length > max || value.Trim().Length == 0))
            {
                e.Add($"{path}.{name}", $"Text of 1 to {max} characters, or leave it out.");
            }
        }
        Text("legalName", doc.LegalName, 200);
        Text("address", doc.Address, 500);
        Text("registrationNumber", doc.RegistrationNumber, 32);
        Text("footer", doc.Footer, 500);
        if (doc.VatNumber is not null && !VatChars().IsMatch(doc.VatNumber))
        {
            e.Add($"{path}.vatNumber", "A VAT number such as NL123456789B01: 2 to 20 letters, digits, spaces, dots or dashes.");
        }
        if (doc.BankAccount is not null && !IsIban(doc.BankAccount))
        {
            e.Add($"{path}.bankAccount", "Must be an IBAN with valid check digits, such as NL91 ABNA 0417 1643 00.");
        }
        if (doc.DueDays is < 0 or > 365)
        {
            e.Add($"{path}.dueDays", "Must be between 0 and 365.");
        }
        if (doc.Paper is not null && !PaperChoices.Contains(doc.Paper, StringComparer.Ordinal))
        {
            e.Add($"{path}.paper", "Must be auto, A4 or Letter.");
        }
        if (doc.NumberPrefix is { } prefix)
        {
            var rest = prefix.Replace(YearToken, "", StringComparison.Ordinal);
            if (prefix.Length > MaxPrefix || !IsSafePrefix(prefix) || prefix.Length - rest.Length > YearToken.Length)
            {
                e.Add($"{path}.numberPrefix", $"At most {MaxPrefix} characters: ASCII letters, digits and - _ . /, starting with a letter or digit, never two of . and / side by side, with {YearToken} at most once (e.g. INV-{YearToken}-).");
            }
            else if (!IsYearly(prefix) && CreditNoteForm().IsMatch(prefix))
            {
                e.Add($"{path}.numberPrefix", "CN- and a number is the form of the credit notes' own series: choose another prefix.");
            }
            else if (!isFirst && prefix != (firstPage?.Settings?.Invoicing?.NumberPrefix ?? ""))
            {
                e.Add($"{path}.numberPrefix", "Numbering is one series per business: the prefix is set on the first page (leave it out here or repeat the first page's).");
            }
        }
    }
}
