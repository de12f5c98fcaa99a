using System.Net;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UglyToad.PdfPig.Content;
using Xunit.Abstractions;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// Names of every origin on the PDFs (issue 13): Chinese, Japanese and Korean letters drawn in the fallback font found on
/// the machine (Debian's fonts-droid-fallback, which the test command installs), measured so wrapping holds; Arabic shaped
/// into its presentation forms and, with Hebrew, in visual order; a Latin invoice in DejaVu alone and no bigger; with no
/// fallback font the PDFs still render and one warning says so. Both databases; the PDFs are read back with PdfPig. One
/// app per class and database, each test on a business of its own (see <see cref="SharedApp"/>); the test without fallback
/// fonts (a setting of the app) keeps an app of its own.
/// </summary>
public abstract class InvoiceScriptTests(SharedApp shared, ITestOutputHelper output)
{
    private Db Kind => shared.Kind;

    private static async Task<Invoice> IssueAsync(TenantSpace app, string start, string business, string client, params string[] lines)
    {
        var response = await Book(app.CreateClient(), Booking(start));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booking = Guid.Parse((await Body(response))["id"]!.GetValue<string>());
        using var scope = app.CreateScope();
        var draft = new InvoiceDraft(Slug, business, null, client, "client@example.com", "en", "Europe/Amsterdam", "EUR",
            [.. lines.Select(l => new InvoiceDraftLine(l, 1m, 40m, 21m))], booking);
        return await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
            scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, null, "test", CancellationToken.None);
    }

    private static Task<byte[]> PdfAsync(TenantSpace app, Invoice invoice) => app.Admin().GetByteArrayAsync($"/api/v1/admin/invoices/{invoice.Id}/pdf");

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    private static List<Letter> Letters(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return [.. document.GetPages().SelectMany(p => p.Letters)];
    }

    private static int Count(byte[] pdf, string what) =>
        (Encoding.Latin1.GetString(pdf).Length - Encoding.Latin1.GetString(pdf).Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    [Fact]
    public async Task CjkNames_PrintInTheFallbackFont_EmbeddedAsASubset_AndWrapWithinTheirColumns()
    {
        Assert.True(File.Exists("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), "scripts/test.sh installs fonts-droid-fallback");
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var cjk = await PdfAsync(app, await IssueAsync(app, "2027-03-03T10:00:00+01:00", "東京ヘアサロン", "王小明", "カットとカラー", "東京 小明"));
        var latin = await PdfAsync(app, await IssueAsync(app, "2027-03-03T11:00:00+01:00", "Test Salon", "Ada Lovelace", "Colour", "Haircut"));
        output.WriteLine($"{Kind}: invoice with a CJK name {cjk.Length:N0} bytes, the same invoice in Latin {latin.Length:N0} bytes");

        var text = PdfText(cjk);
        foreach (var written in new[] { "王小明", "東京ヘアサロン", "カットとカラー" })
        {
            Assert.True(text.Contains(written, StringComparison.Ordinal), $"{written} is not in: {text}");
        }
        var letters = Letters(cjk);
        var cjkLetters = letters.Where(l => l.Value is { Length: > 0 } && "王小明東京ヘアサロンカットとカラー".Contains(l.Value, StringComparison.Ordinal)).ToList();
        Assert.Equal(3 + 7 + 7 + 4, cjkLetters.Count);
        Assert.All(cjkLetters, l => Assert.Contains("Droid Sans Fallback", l.FontName, StringComparison.Ordinal));
        // Everything else stays in DejaVu: the title, labels, amounts.
        Assert.All(letters.Except(cjkLetters), l => Assert.Contains("DejaVu Sans", l.FontName, StringComparison.Ordinal));
        // The fallback font is embedded as a subset: the PDF grows by tens of kilobytes, not by the font's 4 MB.
        Assert.Equal(Count(latin, "/FontFile2") + 1, Count(cjk, "/FontFile2"));
        Assert.InRange(cjk.Length - latin.Length, 1, 150_000);

        // Long names of CJK letters (no spaces to break at) wrap where their measured width says: every letter printed,
        // none past its column (the client's details, the business name beside the title).
        var longClient = string.Concat(Enumerable.Repeat("王小明", 30));
        var longBusiness = string.Concat(Enumerable.Repeat("東京", 20));
        var longOne = Letters(await PdfAsync(app, await IssueAsync(app, "2027-03-03T12:00:00+01:00", longBusiness, longClient, "カット")));
        Assert.Equal(30, longOne.Count(l => l.Value == "王"));
        Assert.Equal(20, longOne.Count(l => l.Value == "東"));
        Assert.All(longOne.Where(l => l.Value is "王" or "小" or "明"), l => Assert.InRange(l.BoundingBox.Right, 50, 50 + InvoicePdf.DetailsWidth + 1));
        var width = Paper.A4.Width;
        Assert.All(longOne.Where(l => l.Value is "東" or "京"), l => Assert.InRange(l.BoundingBox.Right, 50, width - 50 - 190 + 1));
        // The lines are full: measured with the fallback font's widths, not DejaVu's box.
        Assert.True(longOne.Where(l => l.Value is "王" or "小" or "明").Max(l => l.BoundingBox.Right) > 50 + InvoicePdf.DetailsWidth - 12);
        // Right-aligned amounts and facts still end where they end on a Latin invoice.
        static double RightEdge(IEnumerable<Letter> letters) => letters.Where(l => l.FontName?.Contains("DejaVu", StringComparison.Ordinal) == true).Max(l => l.BoundingBox.Right);
        Assert.Equal(RightEdge(Letters(latin)), RightEdge(longOne), 2);
        Assert.Equal(RightEdge(Letters(latin)), RightEdge(letters), 2);
    }

    /// <summary>
    /// Korean: every Hangul letter in one font that has the script (Debian's fonts-nanum, which the test command installs),
    /// not split between it and Droid Sans Fallback, which has the single syllable 가; read back as written.
    /// </summary>
    [Fact]
    public async Task KoreanNames_PrintWholeInAHangulFont()
    {
        Assert.True(File.Exists("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"), "scripts/test.sh installs fonts-nanum");
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var pdf = await PdfAsync(app, await IssueAsync(app, "2027-03-03T10:00:00+01:00", "서울 헤어살롱", "김가영", "커트와 염색", "王小明"));

        var text = PdfText(pdf);
        foreach (var written in new[] { "서울", "헤어살롱", "김가영", "커트와", "염색", "王小明" })
        {
            Assert.True(text.Contains(written, StringComparison.Ordinal), $"{written} is not in: {text}");
        }
        var letters = Letters(pdf);
        var hangul = letters.Where(l => l.Value is { Length: 1 } v && v[0] is >= '\uAC00' and <= '\uD7A3').ToList();
        Assert.Equal(2 + 4 + 3 + 3 + 2, hangul.Count);
        Assert.All(hangul, l => Assert.Contains("NanumGothic", l.FontName, StringComparison.Ordinal));
        // Chinese letters on the same invoice stay in Droid Sans Fallback.
        Assert.All(letters.Where(l => l.Value is "王" or "小" or "明"), l => Assert.Contains("Droid Sans Fallback", l.FontName, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ArabicIsShapedAndHebrewReordered_InVisualOrder_InDejaVu()
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var pdf = await PdfAsync(app, await IssueAsync(app, "2027-03-03T10:00:00+01:00", "Test Salon", "محمد علي", "سلام 2", "דוד כהן"));
        var text = PdfText(pdf);
        // محمد علي as drawn left to right: علي (yeh final, lam medial, ain initial), then محمد (dal final, meem and hah medial, meem initial).
        Assert.Contains("\uFEF2\uFEE0\uFECB \uFEAA\uFEE4\uFEA4\uFEE3", text, StringComparison.Ordinal);
        // سلام 2: the digit at the left, then meem isolated, the final lam-alef ligature, seen initial.
        Assert.Contains("2 \uFEE1\uFEFC\uFEB3", text, StringComparison.Ordinal);
        Assert.Contains("ןהכ דוד", text, StringComparison.Ordinal);
        // Read back in logical order and normalised, the names are as written.
        var arabicLine = text.Split('\n', ' ').Where(w => w.Any(c => c >= '\uFE70')).ToList();
        Assert.Contains("محمد", arabicLine.Select(w => new string([.. w.Reverse()]).Normalize(NormalizationForm.FormKC)));
        var letters = Letters(pdf);
        var rtl = letters.Where(l => l.Value.Any(c => c is >= '\u0590' and <= '\u05FF' or >= '\uFE70' and <= '\uFEFF')).ToList();
        Assert.Equal(7 + 3 + 6, rtl.Count);
        Assert.All(rtl, l => Assert.Contains("DejaVu Sans", l.FontName, StringComparison.Ordinal));
        // Each visual word is drawn left to right: its letters' x increase in the order read.
        var name = letters.Where(l => l.Value is "\uFEF2" or "\uFEE0" or "\uFECB").ToList();
        Assert.True(name[0].BoundingBox.Left < name[1].BoundingBox.Left && name[1].BoundingBox.Left < name[2].BoundingBox.Left);
    }

    [Fact]
    public async Task LatinInvoice_UsesDejaVuAlone_AndIsNoBiggerThanWithoutFallbackFonts()
    {
        var app = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var issued = await IssueAsync(app, "2027-03-03T10:00:00+01:00", "Test Salon", "Łukasz Żółć", "Colour", "Стрижка");
        var served = await PdfAsync(app, issued);
        Assert.All(Letters(served), l => Assert.Contains("DejaVu Sans", l.FontName, StringComparison.Ordinal));
        Assert.NotEmpty(app.App.Services.GetRequiredService<PdfFonts>().Files);
        var invoice = app.WithDb(db => db.Set<Invoice>().AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).Single(i => i.Id == issued.Id));
        var withFallbacks = InvoicePdf.Render(invoice, app.Clock.GetCurrentInstant(), fonts: app.App.Services.GetRequiredService<PdfFonts>());
        var dejaVuAlone = InvoicePdf.Render(invoice, app.Clock.GetCurrentInstant(), fonts: PdfFonts.None);
        output.WriteLine($"{Kind}: Latin invoice {withFallbacks.Length:N0} bytes with fallback fonts, {dejaVuAlone.Length:N0} without");
        Assert.Equal(Count(dejaVuAlone, "/FontFile2"), Count(withFallbacks, "/FontFile2"));
        // Equal but for the document's id and time stamps.
        Assert.InRange(withFallbacks.Length - dejaVuAlone.Length, -32, 32);
    }

    [Fact]
    public async Task WithoutAFallbackFont_PdfsStillRender_AndOneWarningSaysSoAtStart()
    {
        var dir = Directory.CreateTempSubdirectory("bookwell-fonts-");
        try
        {
            // A CFF-outline OpenType file (PDFsharp would embed it whole) and a missing file: neither is used.
            var cff = Path.Combine(dir.FullName, "Cff.otf");
            await File.WriteAllBytesAsync(cff, [.. "OTTO"u8, .. new byte[64]]);
            // An app of its own: the fallback fonts are a setting of the app, read at its start.
            await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Pdf:FallbackFonts"] = $"{cff};{dir.FullName}/Missing.ttf");
            Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
            Assert.Empty(app.Services.GetRequiredService<PdfFonts>().Files);
            var invoice = await IssueAsync(TenantSpace.Default(app), "2027-03-03T10:00:00+01:00", "東京ヘアサロン", "王小明", "カット");
            for (var i = 0; i < 2; i++)
            {
                var pdf = await PdfAsync(TenantSpace.Default(app), invoice);
                Assert.All(Letters(pdf), l => Assert.Contains("DejaVu Sans", l.FontName, StringComparison.Ordinal));
            }
            var warnings = app.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Category == typeof(PdfFonts).FullName).Select(e => e.Message).ToList();
            Assert.Single(warnings, w => w.StartsWith("No PDF fallback font found", StringComparison.Ordinal));
            Assert.Single(warnings, w => w.Contains("Cff.otf", StringComparison.Ordinal) && w.Contains("CFF outlines", StringComparison.Ordinal));
            Assert.Single(warnings, w => w.Contains("Missing.ttf", StringComparison.Ordinal) && w.Contains("no such file", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

public sealed class SqliteInvoiceScriptTests(SqliteSharedApp shared, ITestOutputHelper output) : InvoiceScriptTests(shared, output), IClassFixture<SqliteSharedApp>;

public sealed class PostgresInvoiceScriptTests(PostgresSharedApp shared, ITestOutputHelper output) : InvoiceScriptTests(shared, output), IClassFixture<PostgresSharedApp>;
