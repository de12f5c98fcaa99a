using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Invoices;

/// <summary>
/// Contract 4.3 on both databases: issue on booking, gapless numbers under concurrency, payments, PDF, isolation. On SQLite
/// one app for the class, each test on a business of its own (see <see cref="SharedApp"/>); the mail test starts its own
/// app with a mail server.
/// </summary>
public abstract class InvoiceTests(SharedApp shared)
{
    private Db Kind => shared.Kind;

    /// <summary>A business of its own on the class's app, configured with the invoice document.</summary>
    private async Task<TenantSpace> NewAsync(Action<JsonObject>? change = null)
    {
        var business = await shared.NewBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(business.Admin(), InvoiceConfig(change))).StatusCode);
        return business;
    }

    /// <summary>The test salon plus "advice", billed by invoice, on the page's own calendar (no staff, no resource).</summary>
    private static JsonObject InvoiceConfig(Action<JsonObject>? change = null)
    {
        var doc = Config();
        doc["pages"]![0]!["settings"]!["notifyStaff"] = false;
        doc["pages"]![0]!["services"]!.AsArray().Add(JsonNode.Parse("""
            { "key": "advice", "name": "Advice", "durationMinutes": 60, "price": { "amount": 80.00, "currency": "EUR" }, "payment": "invoice",
              "requiresStaff": false, "slotIntervalMinutes": 60, "resourceTypes": [] }
            """));
        change?.Invoke(doc);
        return doc;
    }

    private async Task<BookwellApp> StartAsync(SmtpSink? sink = null, Action<JsonObject>? change = null, Action<Dictionary<string, string?>>? settings = null)
    {
        var app = await BookwellApp.StartAsync(Kind, s =>
        {
            if (sink is not null)
            {
                s["Bookwell:Smtp:Host"] = "127.0.0.1";
                s["Bookwell:Smtp:Port"] = sink.Port.ToString(CultureInfo.InvariantCulture);
                s["Bookwell:Smtp:UseTls"] = "false";
            }
            settings?.Invoke(s);
        });
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), InvoiceConfig(change))).StatusCode);
        return app;
    }

    private static async Task<JsonArray> Invoices(HttpClient admin, string query = "")
    {
        var response = await admin.GetAsync("/api/v1/admin/invoices" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Body(response))["items"]!.AsArray();
    }

    private static StringContent Payment(decimal amount, string currency = "EUR", string method = "cash", string note = "") => Json(new JsonObject
    {
        ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = currency },
        ["method"] = method,
        ["note"] = note,
    });

    private static InvoiceDraft Draft(string email, decimal price = 80m) => new("salon", "Test Salon", "Main street 1", "Client " + email, email, "en",
        "Europe/Amsterdam", "EUR", [new InvoiceDraftLine("Advice", 1m, price, 0m)], null);

    [Fact]
    public async Task InvoiceServiceBooking_IsConfirmed_InvoiceIssued_MailedWithItsPdf()
    {
        using var sink = SmtpSink.Start();
        await using var app = await StartAsync(sink);
        var created = await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booking = await Body(created);
        Assert.Equal("confirmed", booking["status"]!.GetValue<string>());

        var invoice = Assert.Single(await Invoices(app.Admin()))!;
        Assert.Equal("000001", invoice["number"]!.GetValue<string>());
        Assert.Equal(booking["id"]!.GetValue<string>(), invoice["bookingId"]!.GetValue<string>());
        Assert.Equal("Ada Lovelace", invoice["customer"]!["name"]!.GetValue<string>());
        Assert.Equal("ada@example.com", invoice["customer"]!["email"]!.GetValue<string>());
        Assert.Equal("open", invoice["status"]!.GetValue<string>());
        Assert.Equal("2027-03-01", invoice["issuedOn"]!.GetValue<string>());
        // Due the next day: issue 13's default when settings.invoicing.dueDays is left out.
        Assert.Equal("2027-03-02", invoice["dueOn"]!.GetValue<string>());
        Assert.Equal("EUR", invoice["currency"]!.GetValue<string>());
        var line = Assert.Single(invoice["lines"]!.AsArray())!;
        Assert.StartsWith("Advice", line["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1m, line["quantity"]!.GetValue<decimal>());
        Assert.Equal(80m, line["unitPrice"]!.GetValue<decimal>());
        Assert.Equal(0m, line["taxRate"]!.GetValue<decimal>());
        Assert.Equal(80m, line["total"]!.GetValue<decimal>());
        Assert.Equal(80m, invoice["total"]!.GetValue<decimal>());
        Assert.Equal(0m, invoice["amountPaid"]!.GetValue<decimal>());
        Assert.Contains("\"total\":80.00", invoice.ToJsonString(), StringComparison.Ordinal);

        var mails = await sink.WaitForAsync(2);
        var mail = Assert.Single(mails, m => m.Subject!.StartsWith("Invoice 000001", StringComparison.Ordinal));
        Assert.Equal("ada@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains("000001", mail.HtmlBody, StringComparison.Ordinal);
        // Issue 14: "Your bookings" leads to the business's portal, on its configured host (written in when the mail is sent).
        Assert.Contains("Your bookings: https://book.example.test/account", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://book.example.test/account\" id=\"your-bookings\"", mail.HtmlBody, StringComparison.Ordinal);
        var pdf = Assert.Single(mail.Attachments.OfType<MimePart>(), p => p.ContentType.MimeType == "application/pdf");
        using var stream = new MemoryStream();
        pdf.Content!.DecodeTo(stream);
        var text = PdfText(stream.ToArray());
        Assert.Contains("000001", text, StringComparison.Ordinal);
        Assert.Contains("Ada Lovelace", text, StringComparison.Ordinal);
        // Nothing but the invoice reference is kept once sent: no PDF bytes or bodies linger in the outbox.
        // The server has the mail a moment before the worker records it as sent (and wipes it): wait for that.
        for (var i = 0; i < 600 && app.WithDb(db => db.Outbox.Any(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Invoice && m.SentAt == null)); i++)
        {
            await Task.Delay(50);
        }
        Assert.All(app.WithDb(db => db.Outbox.Where(m => m.Kind == Bookwell.Features.Notifications.MessageKind.Invoice).ToList()), m => Assert.Null(m.HtmlBody));
    }

    [Fact]
    public async Task CancelledPayLaterBooking_ItsUnpaidInvoiceIsVoided_UnlessTheClientCancelledTooLateForThePolicy()
    {
        // Free cancellation up to 24 hours before; later the client owes the whole price.
        var app = await NewAsync(d => d["pages"]![0]!["services"]!.AsArray()[^1]!["cancellationPolicy"] =
            JsonNode.Parse("""{ "refunds": [ { "hoursBefore": 24, "percent": 100 } ] }"""));
        var client = app.CreateClient();
        async Task<JsonNode> BookAsync(string start)
        {
            var created = await Book(client, Booking(start, "advice"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            return await Body(created);
        }
        // The clock stands at 2027-03-01 08:00 in Amsterdam.
        var early = await BookAsync("2027-03-03T10:00:00+01:00");
        var late = await BookAsync("2027-03-01T14:00:00+01:00");
        var byStaff = await BookAsync("2027-03-01T15:00:00+01:00");
        var admin = app.Admin();
        Assert.All(await Invoices(admin), i => Assert.Equal("open", i!["status"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{early["manageToken"]}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/bookings/{late["manageToken"]}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{byStaff["id"]}/status",
            Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);

        var invoices = (await Invoices(admin)).ToDictionary(i => i!["bookingId"]!.GetValue<string>(), i => i!);
        JsonNode Of(JsonNode booking) => invoices[booking["id"]!.GetValue<string>()];
        // Voided, its number kept; the late one still owed; the business's own cancellation voids it.
        Assert.Equal(("void", "000001"), (Of(early)["status"]!.GetValue<string>(), Of(early)["number"]!.GetValue<string>()));
        Assert.Equal("open", Of(late)["status"]!.GetValue<string>());
        Assert.Equal("void", Of(byStaff)["status"]!.GetValue<string>());
        // A void invoice takes no payment; the one still owed does.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync($"/api/v1/admin/invoices/{Of(early)["id"]}/payments", Payment(80m))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/invoices/{Of(late)["id"]}/payments", Payment(80m))).StatusCode);
    }

    [Fact]
    public async Task OrdinaryService_IssuesNoInvoice()
    {
        var app = await NewAsync();
        Assert.Equal(HttpStatusCode.Created, (await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00"))).StatusCode);
        Assert.Empty(await Invoices(app.Admin()));
    }

    [Fact]
    public async Task ApprovalFirst_InvoiceIssuedWhenTheBusinessConfirms_NotBefore()
    {
        var app = await NewAsync(doc => doc["pages"]![0]!["settings"]!["requiresApproval"] = true);
        var booking = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice")));
        Assert.Equal("pending", booking["status"]!.GetValue<string>());
        Assert.Empty(await Invoices(app.Admin()));

        var confirm = await app.Admin().PostAsync($"/api/v1/admin/bookings/{booking["id"]}/status", Json(new JsonObject { ["status"] = "confirmed" }));
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var invoice = Assert.Single(await Invoices(app.Admin()))!;
        Assert.Equal(booking["id"]!.GetValue<string>(), invoice["bookingId"]!.GetValue<string>());

        // Later changes of the confirmed booking issue nothing more (completed once it has started: 10:05 on the day).
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 2, 9, 5));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync($"/api/v1/admin/bookings/{booking["id"]}/status",
            Json(new JsonObject { ["status"] = "completed" }))).StatusCode);
        Assert.Single(await Invoices(app.Admin()));
    }

    [Fact]
    public async Task FiftyParallelIssues_NumbersOneToFifty_NoGapNoDuplicate()
    {
        var app = await NewAsync();
        using var go = new SemaphoreSlim(0);
        var issues = Enumerable.Range(0, 50).Select(async i =>
        {
            await go.WaitAsync();
            using var scope = app.CreateScope();
            var issuer = scope.ServiceProvider.GetRequiredService<InvoiceIssuer>();
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            return (await issuer.IssueInOwnTransactionAsync(db, Draft($"c{i}@example.com"), null, "test", CancellationToken.None)).Number;
        }).ToArray();
        go.Release(50);
        var numbers = await Task.WhenAll(issues);

        var expected = Enumerable.Range(1, 50).Select(n => n.ToString("D6", CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, numbers.Order(StringComparer.Ordinal).ToArray());
        var stored = app.WithDb(db => db.Set<Invoice>().OrderBy(i => i.Sequence).Select(i => i.Number).ToList());
        Assert.Equal(expected, stored);
        Assert.Equal(50, app.WithDb(db => db.Set<InvoiceCounter>().Single(c => c.TenantId == app.Id).Last));
    }

    [Fact]
    public async Task ParallelBookings_EachGetsItsOwnNumber_InOrder()
    {
        var app = await NewAsync();
        string[] starts = ["2027-03-02T09:00", "2027-03-02T10:00", "2027-03-02T11:00", "2027-03-02T13:00", "2027-03-02T14:00",
            "2027-03-03T09:00", "2027-03-03T10:00", "2027-03-03T11:00", "2027-03-03T12:00", "2027-03-03T13:00"];
        using var go = new SemaphoreSlim(0);
        var bookings = starts.Select(async (start, i) =>
        {
            await go.WaitAsync();
            return await Book(app.CreateClient(), Booking(start + ":00+01:00", "advice", $"c{i}@example.com"));
        }).ToArray();
        go.Release(starts.Length);
        Assert.All(await Task.WhenAll(bookings), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var items = await Invoices(app.Admin());
        Assert.Equal(Enumerable.Range(1, 10).Select(n => n.ToString("D6", CultureInfo.InvariantCulture)), items.Select(i => i!["number"]!.GetValue<string>()));
        Assert.Equal(10, items.Select(i => i!["bookingId"]!.GetValue<string>()).Distinct().Count());
    }

    [Fact]
    public async Task Payments_PartThenRest_BecomesPaid_OverpaymentAndWrongCurrencyRefused()
    {
        var app = await NewAsync();
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        var admin = app.Admin();
        var id = (await Invoices(admin))[0]!["id"]!.GetValue<string>();

        var part = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(30m, method: "bank_transfer", note: "Ref 123"));
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        var afterPart = await Body(part);
        Assert.Equal("open", afterPart["status"]!.GetValue<string>());
        Assert.Equal(30m, afterPart["amountPaid"]!.GetValue<decimal>());

        var over = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(50.01m));
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Equal("application/problem+json", over.Content.Headers.ContentType!.MediaType);
        Assert.NotNull((await Body(over))["errors"]!["amount.amount"]);

        var currency = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(10m, "USD"));
        Assert.Equal(HttpStatusCode.BadRequest, currency.StatusCode);
        Assert.NotNull((await Body(currency))["errors"]!["amount.currency"]);

        var method = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(10m, method: "bitcoin"));
        Assert.NotNull((await Body(method))["errors"]!["method"]);
        var cents = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(10.001m));
        Assert.NotNull((await Body(cents))["errors"]!["amount.amount"]);
        var malformed = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", new StringContent("{\"amount\": \"lots\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var rest = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(50m, method: "card"));
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        var paid = await Body(rest);
        Assert.Equal("paid", paid["status"]!.GetValue<string>());
        Assert.Equal(80m, paid["amountPaid"]!.GetValue<decimal>());
        Assert.Equal(["bank_transfer", "card"], paid["payments"]!.AsArray().Select(p => p!["method"]!.GetValue<string>()));

        var more = await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(1m));
        Assert.Equal(HttpStatusCode.BadRequest, more.StatusCode);
        Assert.Equal(2, app.WithDb(db => db.Set<InvoicePayment>().Count()));
    }

    [Fact]
    public async Task PaymentsRecordedOnTheInvoice_ShowInTheAdminBookingsPayment()
    {
        var app = await NewAsync();
        var booked = await Body(await Book(app.CreateClient(), Booking("2027-03-02T11:00:00+01:00", "advice")));
        var admin = app.Admin();
        var bookingId = booked["id"]!.GetValue<string>();
        async Task<(string, decimal, decimal)> PaymentOf()
        {
            var one = (await Body(await admin.GetAsync($"/api/v1/admin/bookings/{bookingId}")))["payment"]!;
            var listed = (await Body(await admin.GetAsync("/api/v1/admin/bookings?from=2027-03-02&to=2027-03-02")))["items"]!.AsArray()
                .Single(b => b!["id"]!.GetValue<string>() == bookingId)!["payment"]!;
            Assert.Equal(one.ToJsonString(), listed.ToJsonString());
            Assert.Equal(("EUR", "EUR"), (one["paid"]!["currency"]!.GetValue<string>(), one["due"]!["currency"]!.GetValue<string>()));
            return (one["status"]!.GetValue<string>(), one["paid"]!["amount"]!.GetValue<decimal>(), one["due"]!["amount"]!.GetValue<decimal>());
        }
        Assert.Equal(("unpaid", 0m, 80m), await PaymentOf());
        var id = (await Invoices(admin))[0]!["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(30m, method: "bank_transfer"))).StatusCode);
        Assert.Equal(("deposit_paid", 30m, 50m), await PaymentOf());
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(50m, method: "cash"))).StatusCode);
        Assert.Equal(("paid", 80m, 0m), await PaymentOf());
    }

    [Fact]
    public async Task TwentyConcurrentPayments_NeverMoreThanTheTotal()
    {
        var app = await NewAsync();
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        var id = (await Invoices(app.Admin()))[0]!["id"]!.GetValue<string>();
        using var go = new SemaphoreSlim(0);
        var payments = Enumerable.Range(0, 20).Select(async _ =>
        {
            await go.WaitAsync();
            return await app.Admin().PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(10m));
        }).ToArray();
        go.Release(20);
        var results = await Task.WhenAll(payments);

        Assert.Equal(8, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(12, results.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        var (paid, sum, status) = app.WithDb(db =>
        {
            var invoice = db.Set<Invoice>().Single();
            return (invoice.AmountPaid, db.Set<InvoicePayment>().AsEnumerable().Sum(p => p.Amount), invoice.Status);
        });
        Assert.Equal(80m, paid);
        Assert.Equal(80m, sum);
        Assert.Equal(InvoiceStatus.Paid, status);
    }

    [Fact]
    public async Task Pdf_IsAPdfWithNumberLinesAndTotals()
    {
        var app = await NewAsync();
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        var admin = app.Admin();
        var id = (await Invoices(admin))[0]!["id"]!.GetValue<string>();
        await admin.PostAsync($"/api/v1/admin/invoices/{id}/payments", Payment(30m));

        var response = await admin.GetAsync($"/api/v1/admin/invoices/{id}/pdf");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType!.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        var text = PdfText(bytes);
        Assert.Contains("Invoice", text, StringComparison.Ordinal);
        Assert.Contains("000001", text, StringComparison.Ordinal);
        Assert.Contains("Test Salon", text, StringComparison.Ordinal);
        Assert.Contains("Advice", text, StringComparison.Ordinal);
        Assert.Contains("EUR 80.00", text, StringComparison.Ordinal);
        Assert.Contains("EUR 30.00", text, StringComparison.Ordinal);
        Assert.Contains("EUR 50.00", text, StringComparison.Ordinal);
        Assert.Contains("2 March 2027", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overdue_IsOpenPastItsDueDate_ByTheAppClock()
    {
        var app = await NewAsync();
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        var admin = app.Admin();
        Assert.Single(await Invoices(admin, "?status=open"));
        Assert.Empty(await Invoices(admin, "?status=overdue"));

        // Due on 2 March (one day): still open all that day in Amsterdam, overdue from its midnight.
        app.Clock.Reset(Instant.FromUtc(2027, 3, 2, 22, 59));
        Assert.Equal("open", (await Invoices(admin))[0]!["status"]!.GetValue<string>());
        app.Clock.Reset(Instant.FromUtc(2027, 3, 2, 23, 0));
        Assert.Equal("overdue", (await Invoices(admin))[0]!["status"]!.GetValue<string>());
        Assert.Single(await Invoices(admin, "?status=overdue"));
        Assert.Empty(await Invoices(admin, "?status=open"));
        Assert.Empty(await Invoices(admin, "?status=paid"));
        Assert.Single(await Invoices(admin, "?status=open,overdue"));
    }

    [Fact]
    public async Task List_FiltersByIssueDate_Pages_AndRefusesBadInput()
    {
        var app = await NewAsync();
        for (var day = 0; day < 3; day++)
        {
            app.Clock.Reset(BookwellApp.DefaultNow + Duration.FromDays(day));
            using var scope = app.CreateScope();
            await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(
                scope.ServiceProvider.GetRequiredService<BookwellDb>(), Draft($"d{day}@example.com"), null, "test", CancellationToken.None);
        }
        var admin = app.Admin();
        Assert.Equal(["000002", "000003"], (await Invoices(admin, "?from=2027-03-02")).Select(i => i!["number"]!.GetValue<string>()));
        Assert.Equal(["000001", "000002"], (await Invoices(admin, "?to=2027-03-02")).Select(i => i!["number"]!.GetValue<string>()));
        Assert.Equal(["000002"], (await Invoices(admin, "?from=2027-03-02&to=2027-03-02")).Select(i => i!["number"]!.GetValue<string>()));

        var first = await Body(await admin.GetAsync("/api/v1/admin/invoices?limit=2"));
        Assert.Equal(2, first["items"]!.AsArray().Count);
        var second = await Body(await admin.GetAsync($"/api/v1/admin/invoices?limit=2&cursor={first["nextCursor"]}"));
        Assert.Equal("000003", Assert.Single(second["items"]!.AsArray())!["number"]!.GetValue<string>());
        Assert.Null(second["nextCursor"]);

        foreach (var (query, field) in new[] { ("from=2027-13-01", "from"), ("to=yesterday", "to"), ("status=unpaid", "status"), ("limit=0", "limit"),
                     ("cursor=xyz", "cursor"), ("from=2027-03-05&to=2027-03-01", "to") })
        {
            var bad = await admin.GetAsync("/api/v1/admin/invoices?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.NotNull((await Body(bad))["errors"]![field]);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/v1/admin/invoices")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/admin/invoices/not-a-guid/pdf")).StatusCode);
    }

    [Fact]
    public async Task AnotherBusinesssInvoice_IsNotFound_AndNotListed()
    {
        var app = await NewAsync();
        var other = Guid.CreateVersion7();
        Guid otherInvoice;
        using (var scope = app.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BookwellDb>();
            db.Tenants.Add(new Tenant { Id = other, Name = "Other", Host = $"other-{other:N}.example.test" });
            await db.SaveChangesAsync();
            db.TenantId = other;
            otherInvoice = (await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueInOwnTransactionAsync(db, Draft("x@example.com"), null, "test",
                CancellationToken.None)).Id;
        }
        await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice"));
        var admin = app.Admin();
        var mine = Assert.Single(await Invoices(admin))!;
        // Each business counts from one.
        Assert.Equal("000001", mine["number"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/admin/invoices/{otherInvoice}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/admin/invoices/{otherInvoice}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/v1/admin/invoices/{otherInvoice}/payments", Payment(10m))).StatusCode);
        Assert.Equal(0m, app.WithDb(db => db.Set<Invoice>().IgnoreQueryFilters().Single(i => i.Id == otherInvoice).AmountPaid));
    }

    [Fact]
    public async Task ReceiptForAPaidBooking_IsIssuedPaid_AndOnlyOnce()
    {
        var app = await NewAsync();
        var booking = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        var bookingId = Guid.Parse(booking["id"]!.GetValue<string>());
        for (var i = 0; i < 2; i++)
        {
            using var scope = app.CreateScope();
            await scope.ServiceProvider.GetRequiredService<InvoiceIssuer>().IssueForBookingInOwnTransactionAsync(
                scope.ServiceProvider.GetRequiredService<BookwellDb>(), bookingId, new InvoicePaid(25m, InvoicePaymentMethod.Stripe), CancellationToken.None);
        }
        var receipt = Assert.Single(await Invoices(app.Admin()))!;
        Assert.Equal("paid", receipt["status"]!.GetValue<string>());
        Assert.Equal(25m, receipt["amountPaid"]!.GetValue<decimal>());
        Assert.Equal(25m, receipt["total"]!.GetValue<decimal>());
    }

    [Fact]
    public void Money_RoundsHalfEvenAtTheCurrencysMinorUnits_AndTaxAddsUp()
    {
        Assert.Equal(2, InvoiceMoney.MinorUnits("EUR"));
        Assert.Equal(0, InvoiceMoney.MinorUnits("JPY"));
        Assert.Equal(3, InvoiceMoney.MinorUnits("BHD"));
        Assert.Equal(0.12m, InvoiceMoney.Round(0.125m, "EUR"));
        Assert.Equal(0.14m, InvoiceMoney.Round(0.135m, "EUR"));
        Assert.Equal(2m, InvoiceMoney.Round(2.5m, "JPY"));
        Assert.Equal("25.00", InvoiceMoney.Normalize(25m, "EUR").ToString(CultureInfo.InvariantCulture));
        Assert.Equal("25.000", InvoiceMoney.Normalize(25m, "BHD").ToString(CultureInfo.InvariantCulture));
        // 121.00 including 21 % tax: 100.00 net, 21.00 tax.
        Assert.Equal((121.00m, 21.00m), InvoiceMoney.Line(1m, 121.00m, 21m, "EUR"));
        for (var cents = 1; cents < 5000; cents += 7)
        {
            var price = cents / 100m;
            var (total, tax) = InvoiceMoney.Line(3m, price, 21m, "EUR");
            Assert.Equal(price * 3, total);
            Assert.Equal(InvoiceMoney.Round(tax, "EUR"), tax);
            Assert.InRange(total - tax, 0m, total);
        }
    }

    [Fact]
    public async Task Dashboard_ListsFilters_RecordsAPaymentWithCsrf_LinksFromTheBooking()
    {
        // The default business (the setup code claims it), the only test of the class on it.
        var app = await shared.DefaultBusinessAsync();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), InvoiceConfig())).StatusCode);
        var booking = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00", "advice")));
        var id = (await Invoices(app.Admin()))[0]!["id"]!.GetValue<string>();
        var owner = WebSession.For(app.App);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);

        var list = await owner.GetAsync("/admin/invoices");
        Assert.Contains($"href=\"/admin/invoices/{id}\"", list, StringComparison.Ordinal);
        Assert.Contains("000001", list, StringComparison.Ordinal);
        Assert.DoesNotContain("000001", await owner.GetAsync("/admin/invoices?status=paid"), StringComparison.Ordinal);
        Assert.Contains($"/admin/invoices/{id}", await owner.GetAsync($"/admin/bookings/{booking["id"]}"), StringComparison.Ordinal);

        // Without the antiforgery token the form is refused and nothing is recorded.
        var forged = await owner.Client.PostAsync($"/admin/invoices/{id}?handler=Payment",
            new FormUrlEncodedContent([new("amount", "80"), new("method", "cash"), new("note", "")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(0, app.WithDb(db => db.Set<InvoicePayment>().Count()));

        var tooMuch = await owner.PostFormAsync($"/admin/invoices/{id}?handler=Payment", ("amount", "80,01"), ("method", "cash"), ("note", ""));
        Assert.Equal(HttpStatusCode.OK, tooMuch.StatusCode);
        Assert.Contains("More than is still due", await WebSession.TextAsync(tooMuch), StringComparison.Ordinal);

        var paid = await owner.PostFormAsync($"/admin/invoices/{id}?handler=Payment", ("amount", "80,00"), ("method", "bank_transfer"), ("note", "Ref 42"));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var payment = app.WithDb(db => db.Set<InvoicePayment>().Single());
        Assert.Equal((80m, "bank_transfer", "Ref 42"), (payment.Amount, payment.Method.ToWire(), payment.Note));
        Assert.StartsWith("owner:", payment.By, StringComparison.Ordinal);
        Assert.Contains("000001", await owner.GetAsync("/admin/invoices?status=paid"), StringComparison.Ordinal);

        var pdf = await owner.Client.GetAsync($"/admin/invoices/{id}?handler=Pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.Contains("Betalingen", await owner.GetAsync($"/admin/invoices/{id}?lang=nl"), StringComparison.Ordinal);
        Assert.Contains("Facturen", await owner.GetAsync("/admin/invoices?lang=nl"), StringComparison.Ordinal);
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}

public sealed class SqliteInvoiceTests(SqliteSharedApp shared) : InvoiceTests(shared), IClassFixture<SqliteSharedApp>;

public sealed class PostgresInvoiceTests(PostgresSharedApp shared) : InvoiceTests(shared), IClassFixture<PostgresSharedApp>;
