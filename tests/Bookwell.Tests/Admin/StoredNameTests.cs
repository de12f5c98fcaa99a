using System.Net;
using Bookwell.Data;
using Bookwell.Features.Notifications;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Admin;

/// <summary>
/// Statuses and kinds are enums stored through <see cref="Wire{T}"/> as the same lowercase strings as before: every
/// enum column of the model goes through a string converter, a word a client sends that is not one of them is a
/// field error (400) naming the words that are, and a stored word the code does not know is a clear error.
/// </summary>
public abstract class StoredNameTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task EveryEnumColumn_IsStoredAsItsString()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var columns = app.WithDb(db => db.Model.GetEntityTypes().SelectMany(t => t.GetProperties())
            .Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType).IsEnum)
            .Select(p => (Name: $"{p.DeclaringType.ClrType.Name}.{p.Name}", Provider: p.GetTypeMapping().Converter?.ProviderClrType)).ToList());
        Assert.True(columns.Count >= 12, $"Only {columns.Count} enum columns: {string.Join(", ", columns.Select(c => c.Name))}");
        Assert.All(columns, c => Assert.True(c.Provider == typeof(string), $"{c.Name} is stored as {c.Provider?.Name ?? "its number"}, not its string."));
        // The kinds that were plain strings until issue 11's last round are enums now.
        string[] converted = ["BookingEvent.Action", "OutboxMessage.IcsMethod", "OrganizationLink.Kind", "CheckoutSession.Purpose", "Payment.Provider",
            "PaymentEvent.Provider", "PaymentEvent.Outcome", "Customer.MarketingOptInSource", "OutboxMessage.Kind"];
        Assert.All(converted, name => Assert.Contains(name, columns.Select(c => c.Name)));
    }

    [Fact]
    public async Task TheKindsConvertedLast_AreStoredAsTheirOldStrings_AndReadBack()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var booked = await Body(await Book(app.CreateClient(), Booking("2027-03-02T10:00:00+01:00")));
        var booking = Guid.Parse(booked["id"]!.GetValue<string>());
        var now = SystemClock.Instance.GetCurrentInstant();
        var (message, link, session, payment) = (Guid.NewGuid(), Guid.NewGuid(), $"cs_{Guid.NewGuid():N}", Guid.NewGuid());
        var eventId = $"evt_{Guid.NewGuid():N}";
        app.WithDb(db =>
        {
            db.Outbox.Add(new OutboxMessage
            {
                Id = message,
                TenantId = DefaultTenant.Id,
                Kind = Bookwell.Features.Notifications.MessageKind.Cancelled,
                To = "a@example.com",
                Subject = "s",
                Ics = "x",
                IcsMethod = Bookwell.Features.Bookings.IcsMethod.Cancel,
                Status = OutboxStatus.Parked,
                DueAt = now.Plus(Duration.FromDays(365)),
                CreatedAt = now,
            });
            db.OrganizationLinks.Add(new Bookwell.Features.Organizations.OrganizationLink
            {
                Id = link,
                TenantId = DefaultTenant.Id,
                MemberId = Guid.NewGuid(),
                PageSlug = "salon",
                OrganizationKey = "uni",
                Kind = Bookwell.Features.Organizations.LinkKind.OrganizationSession,
                TokenHash = Guid.NewGuid().ToString("N"),
                CreatedAt = now,
                ExpiresAt = now,
            });
            db.CheckoutSessions.Add(new CheckoutSession
            {
                Id = session,
                TenantId = DefaultTenant.Id,
                BookingId = booking,
                Purpose = CheckoutPurpose.Deposit,
                Amount = 10,
                Total = 50,
                Currency = "EUR",
                Url = "https://checkout.example.test",
                ExpiresAt = now,
                State = CheckoutState.Expired,
                CreatedAt = now,
                UpdatedAt = now,
            });
            db.Payments.Add(new Payment
            {
                Id = payment,
                TenantId = DefaultTenant.Id,
                BookingId = booking,
                Amount = 10,
                Currency = "EUR",
                Kind = PaymentKind.Charge,
                Provider = PaymentProvider.Stripe,
                ProviderReference = session,
                At = now,
            });
            db.PaymentEvents.Add(new PaymentEvent
            {
                Provider = PaymentProvider.Stripe,
                EventId = eventId,
                TenantId = DefaultTenant.Id,
                Type = "checkout.session.completed",
                BookingId = booking,
                Outcome = PaymentOutcome.RefundDue,
                ReceivedAt = now,
            });
            var customer = db.Customers.Single(c => c.EmailNormalized == "ADA@EXAMPLE.COM");
            Bookwell.Features.Bookings.CustomerBook.SetMarketing(customer, true, Bookwell.Features.Bookings.ConsentSource.Portal, now);
            return db.SaveChanges();
        });

        string Raw(FormattableString sql) => app.WithDb(db => db.Database.SqlQuery<string>(sql).Single());
        Assert.Equal("created", Raw($"""SELECT "Action" AS "Value" FROM "BookingEvents" WHERE "BookingId" = {booking}"""));
        Assert.Equal("cancelled:CANCEL", Raw($"""SELECT "Kind" || ':' || "IcsMethod" AS "Value" FROM "OutboxMessages" WHERE "Id" = {message}"""));
        Assert.Equal("organization-session", Raw($"""SELECT "Kind" AS "Value" FROM "OrganizationLinks" WHERE "Id" = {link}"""));
        Assert.Equal("deposit", Raw($"""SELECT "Purpose" AS "Value" FROM "CheckoutSessions" WHERE "Id" = {session}"""));
        Assert.Equal("stripe", Raw($"""SELECT "Provider" AS "Value" FROM "Payments" WHERE "Id" = {payment}"""));
        Assert.Equal("stripe:refund-due", Raw($"""SELECT "Provider" || ':' || "Outcome" AS "Value" FROM "PaymentEvents" WHERE "EventId" = {eventId}"""));
        Assert.Equal("portal", Raw($"""SELECT "MarketingOptInSource" AS "Value" FROM "Customers" WHERE "EmailNormalized" = 'ADA@EXAMPLE.COM'"""));

        // Read back through the model, the API's words included.
        Assert.Equal(Bookwell.Features.Bookings.BookingAction.Created, app.WithDb(db => db.BookingEvents.Single(h => h.BookingId == booking).Action));
        Assert.Equal(Bookwell.Features.Organizations.LinkKind.OrganizationSession, app.WithDb(db => db.OrganizationLinks.Single(l => l.Id == link).Kind));
        Assert.Equal(PaymentOutcome.RefundDue, app.WithDb(db => db.PaymentEvents.Single(e => e.EventId == eventId).Outcome));
        var detail = await Body(await app.CreateClient().GetAsync($"/api/v1/bookings/{booked["manageToken"]!.GetValue<string>()}"));
        Assert.Equal("created", detail["history"]![0]!["action"]!.GetValue<string>());
        app.WithDb(db => db.Database.ExecuteSql($"""DELETE FROM "OutboxMessages" WHERE "Id" = {message}"""));
    }

    [Fact]
    public async Task UnknownWordsFromClients_AreFieldErrors()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var admin = app.Admin();

        var messages = await admin.GetAsync("/api/v1/admin/messages?status=Queued");
        Assert.Equal(HttpStatusCode.BadRequest, messages.StatusCode);
        Assert.Contains("use one of: queued, sent, parked, withdrawn", (await Body(messages))["errors"]!["status"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/admin/messages?status=withdrawn")).StatusCode);

        var invoices = await admin.GetAsync("/api/v1/admin/invoices?status=open,unpaid");
        Assert.Equal(HttpStatusCode.BadRequest, invoices.StatusCode);
        var error = (await Body(invoices))["errors"]!["status"]![0]!.GetValue<string>();
        Assert.Contains("'unpaid'", error, StringComparison.Ordinal);
        Assert.Contains("open, paid, overdue, void", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/admin/invoices?status=open,overdue")).StatusCode);
    }

    [Fact]
    public async Task StoredWords_AreTheOldStrings_AndAnUnknownOneIsAClearError()
    {
        await using var app = await BookwellApp.StartAsync(Kind);
        var id = Guid.NewGuid();
        var now = SystemClock.Instance.GetCurrentInstant();
        app.WithDb(db =>
        {
            db.Outbox.Add(new OutboxMessage
            {
                Id = id,
                TenantId = DefaultTenant.Id,
                Kind = Bookwell.Features.Notifications.MessageKind.Reminder,
                Channel = OutboxChannel.Sms,
                To = "+31612345678",
                Subject = "s",
                Status = OutboxStatus.Parked,
                DueAt = now.Plus(Duration.FromDays(365)),
                CreatedAt = now,
            });
            return db.SaveChanges();
        });
        // What raw SQL (the PostgreSQL claim query, partial indexes) sees: the words, not numbers.
        var stored = app.WithDb(db => db.Database.SqlQuery<string>($"""SELECT "Status" || ':' || "Channel" AS "Value" FROM "OutboxMessages" WHERE "Id" = {id}""").Single());
        Assert.Equal("parked:sms", stored);

        app.WithDb(db => db.Database.ExecuteSql($"""UPDATE "OutboxMessages" SET "Status" = 'bounced' WHERE "Id" = {id}"""));
        var thrown = Assert.ThrowsAny<Exception>(() => app.WithDb(db => db.Outbox.IgnoreQueryFilters().AsNoTracking().Single(m => m.Id == id)));
        var messages = new List<string>();
        for (Exception? e = thrown; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }
        Assert.Contains(messages, m => m.Contains("Unknown OutboxStatus 'bounced' in the database", StringComparison.Ordinal));
        app.WithDb(db => db.Database.ExecuteSql($"""DELETE FROM "OutboxMessages" WHERE "Id" = {id}"""));
    }
}

public sealed class SqliteStoredNameTests : StoredNameTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresStoredNameTests : StoredNameTests
{
    protected override Db Kind => Db.Postgres;
}
