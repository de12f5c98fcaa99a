using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Bookwell.Data;
using Bookwell.Features.Bookings;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit.Abstractions;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Insights;

/// <summary>Runs only with BOOKWELL_PERF=1: it writes 100,000 bookings, which the default run should not pay for.</summary>
public sealed class PerformanceFactAttribute : FactAttribute
{
    public PerformanceFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BOOKWELL_PERF") != "1")
        {
            Skip = "Measurement: set BOOKWELL_PERF=1 to run (figures in docs/performance.md)";
        }
    }
}

/// <summary>A year's insights of a business with 100,000 bookings, timed; the figure goes to docs/performance.md.</summary>
public abstract class InsightsPerformanceTests(ITestOutputHelper output)
{
    protected abstract Db Kind { get; }

    [PerformanceFact]
    public async Task AYearOf100000Bookings_IsAnsweredQuickly()
    {
        await using var app = await BookwellApp.StartAsync(Kind, null, Instant.FromUtc(2027, 2, 1, 8, 0));
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var random = new Random(4242);
        var amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
        var customers = Enumerable.Range(0, 20_000).Select(i => new Customer
        {
            Id = Guid.NewGuid(),
            TenantId = DefaultTenant.Id,
            Email = $"c{i}@example.com",
            EmailNormalized = $"C{i}@EXAMPLE.COM",
            Name = $"Client {i}",
            MarketingOptIn = i % 3 == 0,
            CreatedAt = app.Clock.GetCurrentInstant(),
            UpdatedAt = app.Clock.GetCurrentInstant(),
        }).ToList();
        string[] services = ["haircut", "consult", "yoga"];
        BookingStatus[] statuses = [BookingStatus.Completed, BookingStatus.Completed, BookingStatus.Completed, BookingStatus.Confirmed, BookingStatus.NoShow, BookingStatus.Cancelled];
        var bookings = new List<Booking>(100_000);
        var payments = new List<Payment>();
        var expectedCount = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var day = new LocalDate(2026, 1, 1).PlusDays(random.Next(365));
            var start = amsterdam.AtLeniently(day.At(new LocalTime(8 + random.Next(10), random.Next(4) * 15))).ToInstant();
            var status = statuses[random.Next(statuses.Length)];
            expectedCount += status == BookingStatus.Cancelled ? 0 : 1;
            var b = new Booking
            {
                Id = Guid.NewGuid(),
                TenantId = DefaultTenant.Id,
                PageSlug = Slug,
                ServiceKey = services[i % 3],
                ServiceName = services[i % 3],
                StartsAt = start,
                EndsAt = start + Duration.FromMinutes(30),
                Status = status,
                TimeZone = "Europe/Amsterdam",
                CustomerId = customers[random.Next(customers.Count)].Id,
                CustomerName = "Client",
                CustomerEmail = "client@example.com",
                ManageTokenHash = ManageTokens.Hash(ManageTokens.Create()),
                CreatedAt = start,
                UpdatedAt = start,
            };
            bookings.Add(b);
            if (i % 50 == 0)
            {
                payments.Add(new Payment
                {
                    Id = Guid.NewGuid(),
                    TenantId = DefaultTenant.Id,
                    BookingId = b.Id,
                    Amount = 25m,
                    Currency = "EUR",
                    Kind = PaymentKind.Charge,
                    Provider = PaymentProvider.Stripe,
                    ProviderReference = $"perf_{i}",
                    At = start,
                });
            }
        }
        var seeding = Stopwatch.StartNew();
        app.WithDb(db =>
        {
            using var tx = db.Database.BeginTransaction();
            BulkInsert.Insert(db, customers, bookings, payments);
            tx.Commit();
            return 0;
        });
        if (Kind == Db.Postgres)
        {
            app.WithDb(db => db.Database.ExecuteSqlRaw("ANALYZE"));
        }
        output.WriteLine($"{Kind}: seeded 100,000 bookings, 20,000 customers, {payments.Count} payments in {seeding.ElapsedMilliseconds} ms");

        var admin = app.Admin();
        var times = new List<long>();
        JsonObject? body = null;
        for (var run = 0; run < 6; run++)
        {
            var watch = Stopwatch.StartNew();
            var response = await admin.GetAsync("/api/v1/admin/insights?from=2026-01-01&to=2026-12-31");
            watch.Stop();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            body = await response.Content.ReadFromJsonAsync<JsonObject>();
            times.Add(watch.ElapsedMilliseconds);
        }
        Assert.Equal(expectedCount, body!["bookings"]!["count"]!.GetValue<int>());
        var warm = times.Skip(1).Order().ToList();
        output.WriteLine($"{Kind}: first call {times[0]} ms; warm calls median {warm[warm.Count / 2]} ms, max {warm[^1]} ms");
        Assert.True(warm[warm.Count / 2] < 5_000, $"median {warm[warm.Count / 2]} ms");
    }
}

public sealed class SqliteInsightsPerformanceTests(ITestOutputHelper output) : InsightsPerformanceTests(output)
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresInsightsPerformanceTests(ITestOutputHelper output) : InsightsPerformanceTests(output)
{
    protected override Db Kind => Db.Postgres;
}
