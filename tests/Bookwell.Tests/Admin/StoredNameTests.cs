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
                Kind = "reminder",
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
