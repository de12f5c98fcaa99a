using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Features.Bookings;
using Bookwell.Features.Invoices;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Stripe's events arrive in any order and more than once. Three sessions a round: paid by card (its completed event
/// delivered twice), paid by a delayed method (completed while still unpaid, then async_payment_succeeded), abandoned
/// (expired, delivered twice). 100 rounds (25 in the default run, <see cref="TestScale"/>), each delivering the six
/// events in a different shuffled order (seeded, so a failure names its round): the paid bookings end confirmed with one payment and one paid receipt, the abandoned one
/// cancelled with its time free and no money. Both databases.
/// </summary>
public abstract class EventOrderTests
{
    protected abstract Db Kind { get; }

    private static readonly string[] Starts = ["2027-03-03T10:00:00+01:00", "2027-03-03T11:00:00+01:00", "2027-03-03T12:00:00+01:00"];

    [Fact]
    public async Task ShuffledOrders_OfThreeSessionsEvents_AlwaysEndInTheRightState()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        stripe.Now = () => app.Clock.GetCurrentInstant();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var client = app.CreateClient();
        var admin = app.Admin();

        async Task Deliver(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }

        var rounds = TestScale.Of(quick: 25, full: 100);
        for (var round = 0; round < rounds; round++)
        {
            var ids = new Guid[3];
            for (var i = 0; i < 3; i++)
            {
                var response = await Book(client, Booking(Starts[i], service: "colour", email: $"r{round}-{i}@example.com"));
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"round {round}: booking {i} answered {response.StatusCode}");
                ids[i] = Guid.Parse((await Body(response))["id"]!.GetValue<string>());
            }
            var (card, delayed, abandoned) = (Session(stripe, ids[0]), Session(stripe, ids[1]), Session(stripe, ids[2]));
            var cardPaid = stripe.Pay(card);
            var delayedPaid = stripe.Pay(delayed);
            var delayedUnpaid = delayedPaid.DeepClone().AsObject();
            delayedUnpaid["payment_status"] = "unpaid";
            var expired = stripe.ExpireNow(abandoned);
            var events = new List<string>
            {
                StripeStandIn.Event($"evt_{round}_card", "checkout.session.completed", cardPaid),
                StripeStandIn.Event($"evt_{round}_card", "checkout.session.completed", cardPaid),
                StripeStandIn.Event($"evt_{round}_delayed_c", "checkout.session.completed", delayedUnpaid),
                StripeStandIn.Event($"evt_{round}_delayed_a", "checkout.session.async_payment_succeeded", delayedPaid),
                StripeStandIn.Event($"evt_{round}_gone", "checkout.session.expired", expired),
                StripeStandIn.Event($"evt_{round}_gone", "checkout.session.expired", expired),
            };
            var random = new Random(round);
            for (var i = events.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (events[i], events[j]) = (events[j], events[i]);
            }
            foreach (var e in events)
            {
                await Deliver(e);
            }

            var (bookings, payments, invoices) = app.WithDb(db => (
                db.Bookings.AsNoTracking().Where(b => ids.Contains(b.Id)).ToDictionary(b => b.Id, b => b.Status),
                db.Payments.AsNoTracking().Where(p => ids.Contains(p.BookingId)).Select(p => new { p.BookingId, p.Amount }).ToList(),
                db.Set<Invoice>().AsNoTracking().Where(i => i.BookingId != null && ids.Contains(i.BookingId.Value)).Select(i => new { i.BookingId, i.Status }).ToList()));
            foreach (var paid in ids[..2])
            {
                Assert.True(bookings[paid] == BookingStatus.Confirmed, $"round {round}: {bookings[paid]}");
                Assert.Equal(80m, Assert.Single(payments, p => p.BookingId == paid).Amount);
                Assert.Equal(InvoiceStatus.Paid, Assert.Single(invoices, i => i.BookingId == paid).Status);
            }
            Assert.True(bookings[ids[2]] == BookingStatus.Cancelled, $"round {round}: abandoned is {bookings[ids[2]]}");
            Assert.DoesNotContain(payments, p => p.BookingId == ids[2]);
            Assert.DoesNotContain(invoices, i => i.BookingId == ids[2]);
            Assert.Contains(Starts[2], await SlotStarts(client, "colour", "2027-03-03", "2027-03-03"));

            // Make room for the next round (the business cancels: no refund is planned for it).
            foreach (var paid in ids[..2])
            {
                Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/bookings/{paid}/status", Json(new JsonObject { ["status"] = "cancelled" }))).StatusCode);
            }
        }
        Assert.Equal(rounds * 4, app.WithDb(db => db.PaymentEvents.AsNoTracking().Count()));
    }

    /// <summary>
    /// The session's expiry arriving while the client cancels the same booking six times at once, 20 rounds: the
    /// payment event and the cancel take the business's busy version and the booking's row in the same order, so
    /// neither waits for the other forever (a deadlock on PostgreSQL answered a 500 before); one cancellation, no
    /// time left held.
    /// </summary>
    [Fact]
    public async Task ExpiryRacingSixClientCancels_TwentyRounds_OneCancellation_NoFault_TimeFree()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:RateLimits:ManagePerMinute"] = "0";
        });
        stripe.Now = () => app.Clock.GetCurrentInstant();
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var client = app.CreateClient();

        for (var round = 0; round < 20; round++)
        {
            var created = await Book(client, Booking(Starts[0], service: "colour", email: $"race{round}@example.com"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var booked = await Body(created);
            var id = Guid.Parse(booked["id"]!.GetValue<string>());
            var token = booked["manageToken"]!.GetValue<string>();
            var body = StripeStandIn.Event($"evt_race_{round}", "checkout.session.expired", stripe.ExpireNow(Session(stripe, id)));

            using var go = new SemaphoreSlim(0);
            var expiry = Task.Run(async () =>
            {
                await go.WaitAsync();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
                return await app.CreateClient().SendAsync(request);
            });
            var cancels = Enumerable.Range(0, 6).Select(async _ =>
            {
                await go.WaitAsync();
                return await app.CreateClient().PostAsync($"/api/v1/bookings/{token}/cancel", null);
            }).ToArray();
            go.Release(7);
            var answered = await expiry;
            var cancelled = await Task.WhenAll(cancels);

            Assert.True(answered.StatusCode == HttpStatusCode.OK, $"round {round}: the webhook answered {answered.StatusCode}");
            Assert.All(cancelled, r => Assert.True((int)r.StatusCode < 500, $"round {round}: a cancel answered {r.StatusCode}"));
            var (status, toCancelled, live) = app.WithDb(db => (
                db.Bookings.AsNoTracking().Single(b => b.Id == id).Status,
                db.BookingEvents.AsNoTracking().Count(e => e.BookingId == id && e.ToStatus == BookingStatus.Cancelled && e.FromStatus != BookingStatus.Cancelled),
                db.Allocations.AsNoTracking().Count(a => a.Live)));
            Assert.Equal(BookingStatus.Cancelled, status);
            Assert.True(toCancelled == 1, $"round {round}: {toCancelled} cancellations");
            Assert.Equal(0, live);
        }
        Assert.Contains(Starts[0], await SlotStarts(client, "colour", "2027-03-03", "2027-03-03"));
    }

    private static string Session(StripeStandIn stripe, Guid booking) => stripe.SessionFor(booking)!["id"]!.GetValue<string>();
}

public sealed class SqliteEventOrderTests : EventOrderTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresEventOrderTests : EventOrderTests
{
    protected override Db Kind => Db.Postgres;
}
