using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Features.Refunds;
using Bookwell.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// The invoice's documents as issued and corrected: an invoice of awkward amounts refunded in three parts gets credit
/// notes whose VAT per rate adds up exactly to the invoice's (never more on the way), and the business's logo (served
/// by a real HTTP server on loopback, PNG and JPEG) is frozen on each invoice and credit note when it is issued: a logo
/// changed or removed afterwards never changes an issued PDF.
/// Both databases; the PDFs are read back with PdfPig.
/// </summary>
public abstract class InvoiceDocumentTests
{
    protected abstract Db Kind { get; }

    private static async Task<Guid> BookAsync(BookwellApp app, string start)
    {
        var response = await Book(app.CreateClient(), Booking(start));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Guid.Parse((await Body(response))["id"]!.GetValue<string>());
    }

    /// <summary>An invoice of 3 × 33.33 at 21 % and 17.50 at 9 % (prices including VAT) for the booking, paid.</summary>
    private static async Task<Invoice> IssueAsync(BookwellApp app, Guid bookingId)
    {
        using var scope = app.Services.CreateScope();
        var draft = new InvoiceDraft(Slug, "Test Salon", null, "Ada Lovelace", "ada@example.com", "en", "Europe/Amsterdam", "EUR",
            [new InvoiceDraftLine("Colour", 3m, 33.33m, 21m), new InvoiceDraftLine("Shampoo", 1m, 17.50m, 9m)], bookingId);
        return await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
            scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, new InvoicePaid(117.49m, InvoicePaymentMethod.Card), "test", CancellationToken.None);
    }

    /// <summary>A refund of the booking as the refund service records it once Stripe accepted it, with its credit note.</summary>
    private static async Task<CreditNote> RefundAsync(BookwellApp app, Guid bookingId, int sequence, decimal amount)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        var now = app.Clock.GetCurrentInstant();
        var refund = new Refund
        {
            Id = Guid.CreateVersion7(),
            TenantId = db.TenantId,
            BookingId = bookingId,
            Sequence = sequence,
            Amount = amount,
            Currency = "EUR",
            Reason = RefundReason.Manual,
            State = RefundStatus.Succeeded,
            PaymentIntent = "pi_test",
            IdempotencyKey = $"test-{bookingId:N}-{sequence}",
            By = "test",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<Refund>().Add(refund);
        await using var tx = await db.Database.BeginTransactionAsync();
        var note = await CreditNotes.IssueAsync(db, refund, now, false, CancellationToken.None);
        refund.CreditNoteId = note.Id;
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return note;
    }

    private static async Task<CreditNoteDocument> DocumentAsync(BookwellApp app, CreditNote note)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
        return (await CreditNoteDocument.LoadAsync(db, db.TenantId, note.Id, CancellationToken.None))!;
    }

    private static Dictionary<decimal, decimal> VatByRate(IEnumerable<CreditNoteLine> lines) =>
        lines.GroupBy(l => l.TaxRate).ToDictionary(g => g.Key, g => g.Sum(l => l.Tax));

    [Fact]
    public async Task ThreePartialRefunds_CreditExactlyTheInvoicesVatPerRate_NeverMoreOnTheWay()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var booking = await BookAsync(app, "2027-03-03T10:00:00+01:00");
        var invoice = await IssueAsync(app, booking);
        // 99.99 including 17.35 VAT at 21 %, 17.50 including 1.44 at 9 %.
        Assert.Equal([(99.99m, 17.35m), (17.50m, 1.44m)], invoice.Lines.OrderBy(l => l.Position).Select(l => (l.Total, l.Tax)));
        var invoiceVat = invoice.Lines.GroupBy(l => l.TaxRate).ToDictionary(g => g.Key, g => g.Sum(l => l.Tax));

        // Each part's own VAT would credit 5.91 + 5.91 + 5.54 = 17.36 at 21 %: a cent more than the invoice charged.
        var credited = new List<CreditNoteLine>();
        foreach (var (amount, i) in new[] { 40.00m, 40.00m, 37.49m }.Select((a, i) => (a, i)))
        {
            var document = await DocumentAsync(app, await RefundAsync(app, booking, i + 1, amount));
            Assert.Equal(invoice.Number, document.Note.InvoiceNumber);
            Assert.Equal(-amount, document.Total);
            Assert.All(document.Lines, l => Assert.True(l.Total <= 0 && l.Tax <= 0 && l.Tax >= l.Total, $"{l.Description} {l.Total} {l.Tax}"));
            credited.AddRange(document.Lines);
            // On the way: never more VAT per rate than the invoice charged.
            Assert.All(VatByRate(credited), r => Assert.True(-r.Value <= invoiceVat[r.Key], $"{r.Key}%: {r.Value}"));
            Assert.All(credited.GroupBy(l => l.Description), g => Assert.True(-g.Sum(l => l.Total) <= invoice.Lines.Single(l => l.Description == g.Key).Total));
        }
        // Fully refunded: exactly the invoice's VAT per rate, and exactly each line.
        Assert.Equal(invoiceVat.OrderBy(r => r.Key).Select(r => (r.Key, -r.Value)), VatByRate(credited).OrderBy(r => r.Key).Select(r => (r.Key, r.Value)));
        Assert.Equal(invoice.Lines.OrderBy(l => l.Position).Select(l => -l.Total),
            credited.GroupBy(l => l.Description).OrderBy(g => g.Key == "Shampoo").Select(g => g.Sum(l => l.Total)));

        // The last note's PDF prints the VAT that was left (the notes are read from the database each time, in any order).
        var notes = app.WithDb(db => db.Set<CreditNote>().OrderBy(c => c.Sequence).ToList());
        var last = await DocumentAsync(app, notes[2]);
        var again = await DocumentAsync(app, notes[2]);
        Assert.Equal(last.Lines, again.Lines);
        var text = PdfText(CreditNotePdf.Render(last));
        var vat21 = last.Lines.Where(l => l.TaxRate == 21m).Sum(l => l.Tax);
        Assert.Equal(-17.35m - VatByRate(credited.Take(credited.Count - last.Lines.Count))[21m], vat21);
        Assert.Contains($"EUR {vat21.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logo_IsFrozenOnEachDocumentAtIssue_ChangedOrRemovedLogosNeverChangeAnIssuedPdf_JpegAndPng()
    {
        var png = Png(30, 20);
        var jpeg = Jpeg(24, 16);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var host = builder.Build();
        var served = 0;
        var files = new System.Collections.Concurrent.ConcurrentDictionary<string, (string Type, byte[] Bytes)>(StringComparer.Ordinal);
        files["/logo.png"] = ("image/png", png);
        host.Run(async context =>
        {
            Interlocked.Increment(ref served);
            if (files.TryGetValue(context.Request.Path.Value ?? "", out var file))
            {
                context.Response.ContentType = file.Type;
                await context.Response.Body.WriteAsync(file.Bytes);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
        });
        await host.StartAsync();
        var baseUrl = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Invoices:AllowPrivateLogoAddresses"] = "true");
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        Task<byte[]> InvoicePdfAsync(Invoice i) => admin.GetByteArrayAsync($"/api/v1/admin/invoices/{i.Id}/pdf");
        Task<byte[]> NotePdfAsync(CreditNote n) => admin.GetByteArrayAsync($"/api/v1/admin/credit-notes/{n.Id}/pdf");

        // No logo: the PDFs hold no image, and nothing is fetched.
        var plain = await IssueAsync(app, await BookAsync(app, "2027-03-03T10:00:00+01:00"));
        var plainNote = await RefundAsync(app, plain.BookingId!.Value, 1, 10m);
        Assert.Empty(Images(await InvoicePdfAsync(plain)));
        Assert.Empty(Images(await NotePdfAsync(plainNote)));
        Assert.Equal(0, served);

        // The PNG logo is fetched when the configuration names it; documents issued from now on carry it.
        var doc = Config();
        doc["pages"]![0]!["branding"]!["logoUrl"] = baseUrl + "/logo.png";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        Assert.Equal(1, served);
        var withPng = await IssueAsync(app, await BookAsync(app, "2027-03-03T11:00:00+01:00"));
        var pngPdf = await InvoicePdfAsync(withPng);
        var image = Assert.Single(Images(pngPdf));
        Assert.Equal((30, 20), (image.WidthInSamples, image.HeightInSamples));
        Assert.Contains(withPng.Number, PdfText(pngPdf), StringComparison.Ordinal);
        // An invoice issued without a logo stays without one; a credit note issued now carries its own (the page's now).
        Assert.Empty(Images(await InvoicePdfAsync(plain)));
        Assert.Empty(Images(await NotePdfAsync(plainNote)));
        var plainNote2 = await RefundAsync(app, plain.BookingId!.Value, 2, 10m);
        Assert.Equal((30, 20), Size(await NotePdfAsync(plainNote2)));

        // The business replaces its logo with a JPEG at another address and the old file vanishes.
        files.TryRemove("/logo.png", out _);
        files["/logo.jpg"] = ("image/jpeg", jpeg);
        doc["pages"]![0]!["branding"]!["logoUrl"] = baseUrl + "/logo.jpg";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        var withJpeg = await IssueAsync(app, await BookAsync(app, "2027-03-03T12:00:00+01:00"));
        var jpegImage = Assert.Single(Images(await InvoicePdfAsync(withJpeg)));
        Assert.Equal((24, 16), (jpegImage.WidthInSamples, jpegImage.HeightInSamples));
        Assert.Equal(jpeg, jpegImage.RawMemory.ToArray()); // the JPEG file as it was served, embedded as is (DCTDecode)
        // The invoice issued with the PNG still prints the PNG; its credit note issued now carries the JPEG.
        Assert.Equal((30, 20), Size(await InvoicePdfAsync(withPng)));
        var pngInvoiceNote = await RefundAsync(app, withPng.BookingId!.Value, 1, 20m);
        Assert.Equal(jpeg, Assert.Single(Images(await NotePdfAsync(pngInvoiceNote))).RawMemory.ToArray());

        // The logo is removed from the page and from the server: every issued document prints what it was issued with.
        files.Clear();
        doc["pages"]![0]!["branding"]!["logoUrl"] = null;
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        var fetched = served;
        Assert.Equal((30, 20), Size(await InvoicePdfAsync(withPng)));
        Assert.Equal(jpeg, Assert.Single(Images(await InvoicePdfAsync(withJpeg))).RawMemory.ToArray());
        Assert.Equal(jpeg, Assert.Single(Images(await NotePdfAsync(pngInvoiceNote))).RawMemory.ToArray());
        Assert.Equal((30, 20), Size(await NotePdfAsync(plainNote2)));
        Assert.Empty(Images(await InvoicePdfAsync(await IssueAsync(app, await BookAsync(app, "2027-03-03T13:00:00+01:00")))));
        Assert.Equal(fetched, served); // printed from the stored bytes, never fetched again
        // One copy of each logo however many documents name it.
        Assert.Equal(2, app.WithDb(db => db.Set<LogoBlob>().Count()));
        Assert.Equal(4, app.WithDb(db => db.Set<Invoice>().Count(i => i.LogoSha256 != null) + db.Set<CreditNote>().Count(c => c.LogoSha256 != null)));

        // An address that answers no image: documents issued from it have none.
        files["/missing.png"] = ("image/png", Encoding.ASCII.GetBytes("not a png"));
        doc["pages"]![0]!["branding"]!["logoUrl"] = baseUrl + "/missing.png";
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, doc)).StatusCode);
        var without = await InvoicePdfAsync(await IssueAsync(app, await BookAsync(app, "2027-03-03T14:00:00+01:00")));
        Assert.Empty(Images(without));
        Assert.Contains("EUR", PdfText(without), StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 13's PDF: names and descriptions in any European script print as written (the font travels inside the file), and
    /// the sheet is Letter for a currency of a Letter country, A4 otherwise; credit notes follow their invoice.
    /// </summary>
    [Fact]
    public async Task Pdf_PrintsEveryScriptWithItsFontEmbedded_OnLetterForDollarsAndA4ForEuros()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(admin, Config())).StatusCode);
        async Task<Invoice> IssueIn(string currency, string start, string name = "Łukasz Żółć-Παπαδοπούλου", string description = "Стрижка и укладка")
        {
            var booking = await BookAsync(app, start);
            using var scope = app.Services.CreateScope();
            var draft = new InvoiceDraft(Slug, "Test Salon", null, name, "lz@example.com", "en", "Europe/Amsterdam", currency,
                [new InvoiceDraftLine(description, 1m, 40m, 21m)], booking);
            return await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
                scope.ServiceProvider.GetRequiredService<BookwellDb>(), draft, null, "test", CancellationToken.None);
        }
        var dollars = await admin.GetByteArrayAsync($"/api/v1/admin/invoices/{(await IssueIn("USD", "2027-03-03T10:00:00+01:00")).Id}/pdf");
        var euros = await admin.GetByteArrayAsync($"/api/v1/admin/invoices/{(await IssueIn("EUR", "2027-03-03T11:00:00+01:00")).Id}/pdf");
        foreach (var pdf in new[] { dollars, euros })
        {
            var text = PdfText(pdf);
            Assert.Contains("Łukasz Żółć-Παπαδοπούλου", text, StringComparison.Ordinal);
            Assert.Contains("Стрижка и укладка", text, StringComparison.Ordinal);
            using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
            var letters = document.GetPage(1).Letters;
            Assert.All(letters, l => Assert.Contains("DejaVu Sans", l.FontName, StringComparison.Ordinal));
            // An embedded TrueType program (a subset), not a reference to a font the reader may not have.
            Assert.Contains("/FontFile2", Encoding.Latin1.GetString(pdf), StringComparison.Ordinal);
        }
        using (var letter = UglyToad.PdfPig.PdfDocument.Open(dollars))
        {
            Assert.Equal((612, 792), ((int)Math.Round(letter.GetPage(1).Width), (int)Math.Round(letter.GetPage(1).Height)));
        }
        using (var a4 = UglyToad.PdfPig.PdfDocument.Open(euros))
        {
            Assert.Equal((595, 842), ((int)Math.Round(a4.GetPage(1).Width), (int)Math.Round(a4.GetPage(1).Height)));
        }

        // The longest name the API takes and a description of one unbroken 300-letter word: every letter printed (wrapped,
        // never cut), none running into the facts or the amount columns.
        var longOne = await admin.GetByteArrayAsync(
            $"/api/v1/admin/invoices/{(await IssueIn("EUR", "2027-03-03T12:00:00+01:00", new string('Ж', 200), new string('Ы', 300))).Id}/pdf");
        using (var document = UglyToad.PdfPig.PdfDocument.Open(longOne))
        {
            var letters = document.GetPages().SelectMany(p => p.Letters).ToList();
            Assert.Equal(200, letters.Count(l => l.Value == "Ж"));
            Assert.Equal(300, letters.Count(l => l.Value == "Ы"));
            Assert.All(letters.Where(l => l.Value == "Ж"), l => Assert.InRange(l.BoundingBox.Right, 50, 50 + InvoicePdf.DetailsWidth + 1));
            Assert.All(letters.Where(l => l.Value == "Ы"), l => Assert.InRange(l.BoundingBox.Right, 50, 50 + 265 + 1));
        }
    }

    /// <summary>The size in pixels of the PDF's one image.</summary>
    private static (int Width, int Height) Size(byte[] pdf)
    {
        var image = Assert.Single(Images(pdf));
        return (image.WidthInSamples, image.HeightInSamples);
    }

    private static List<UglyToad.PdfPig.Content.IPdfImage> Images(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return [.. document.GetPages().SelectMany(p => p.GetImages())];
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    /// <summary>A width × height RGBA PNG (a colour gradient, half transparent at the right), written as the PNG specification says.</summary>
    private static byte[] Png(int width, int height)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (var x = 0; x < width; x++)
            {
                raw.Write([(byte)(x * 8), (byte)(y * 12), 200, (byte)(x < width / 2 ? 255 : 128)]);
            }
        }
        var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            var head = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
            png.Write(head);
            var body = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            png.Write(body);
            BinaryPrimitives.WriteUInt32BigEndian(head, Crc32(body));
            png.Write(head);
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;
        ihdr[9] = 6;
        Chunk("IHDR", ihdr);
        Chunk("IDAT", z.ToArray());
        Chunk("IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// A width × height baseline JPEG (JFIF, one grey component, every 8 × 8 block mid-grey): quantisation table, frame,
    /// one-code Huffman tables for DC and AC, and per block a zero DC difference and an end of block, as ITU T.81 says.
    /// </summary>
    private static byte[] Jpeg(int width, int height)
    {
        var jpg = new MemoryStream();
        void Segment(byte marker, byte[] data)
        {
            jpg.Write([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2)]);
            jpg.Write(data);
        }
        jpg.Write([0xFF, 0xD8]);
        Segment(0xE0, [.. "JFIF"u8, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        Segment(0xC4, [0x00, 1, .. new byte[15], 0x00]); // DC table 0: one code of length 1 for category 0
        Segment(0xC4, [0x10, 1, .. new byte[15], 0x00]); // AC table 0: one code of length 1 for end of block
        Segment(0xDA, [1, 1, 0x00, 0, 63, 0]);
        var blocks = ((width + 7) / 8) * ((height + 7) / 8);
        var bits = new List<bool>();
        for (var b = 0; b < blocks * 2; b++)
        {
            bits.Add(false);
        }
        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }
        for (var i = 0; i < bits.Count; i += 8)
        {
            var value = (byte)bits.Skip(i).Take(8).Aggregate(0, (a, bit) => (a << 1) | (bit ? 1 : 0));
            jpg.WriteByte(value);
            if (value == 0xFF)
            {
                jpg.WriteByte(0);
            }
        }
        jpg.Write([0xFF, 0xD9]);
        return jpg.ToArray();
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}

public sealed class SqliteInvoiceDocumentTests : InvoiceDocumentTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInvoiceDocumentTests : InvoiceDocumentTests
{
    protected override Db Kind => Db.Postgres;
}

/// <summary>Credit notes' VAT over many invoices and many ways to cut up their refund, without a database.</summary>
public sealed class CreditNoteVatSplitTests
{
    [Fact]
    public void AnyCutOfTheRefund_CreditsEachRatesVatExactly_AndNeverMoreOnTheWay()
    {
        var random = new Random(2027);
        foreach (var currency in new[] { "EUR", "JPY", "BHD" })
        {
            var unit = currency switch { "JPY" => 1m, "BHD" => 0.001m, _ => 0.01m };
            for (var run = 0; run < 300; run++)
            {
                var exclusive = random.Next(2) == 0;
                var lines = Enumerable.Range(0, random.Next(1, 5)).Select(n =>
                {
                    var rate = new[] { 0m, 9m, 21m, 5.5m }[random.Next(4)];
                    var quantity = random.Next(1, 4);
                    var (total, tax) = InvoiceMoney.Line(quantity, random.Next(1, 20000) * unit, rate, currency, !exclusive);
                    return new InvoiceLine { Description = $"Line {n}", Quantity = quantity, TaxRate = rate, Total = total, Tax = tax };
                }).ToList();
                var gross = lines.Sum(l => l.Total);
                // Cut the whole into 1 to 5 parts of whole units.
                var cuts = Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(1, (int)(gross / unit)) * unit).Distinct().Order().ToList();
                var parts = cuts.Append(gross).Zip(cuts.Prepend(0m), (b, a) => b - a).Where(p => p > 0).ToList();
                var before = new List<decimal>();
                var credited = new List<CreditNoteLine>();
                foreach (var part in parts)
                {
                    var note = CreditNoteDocument.Spread(before, part, currency, lines);
                    Assert.Equal(-part, note.Sum(l => l.Total));
                    Assert.All(note, l => Assert.True(l.Total < 0 && l.Tax <= 0, $"{l.Total} {l.Tax}"));
                    before.Add(part);
                    credited.AddRange(note);
                    foreach (var rate in lines.Select(l => l.TaxRate).Distinct())
                    {
                        Assert.True(-credited.Where(l => l.TaxRate == rate).Sum(l => l.Tax) <= lines.Where(l => l.TaxRate == rate).Sum(l => l.Tax));
                    }
                }
                foreach (var rate in lines.Select(l => l.TaxRate).Distinct())
                {
                    Assert.Equal(lines.Where(l => l.TaxRate == rate).Sum(l => l.Tax), -credited.Where(l => l.TaxRate == rate).Sum(l => l.Tax));
                }
            }
        }
    }
}
