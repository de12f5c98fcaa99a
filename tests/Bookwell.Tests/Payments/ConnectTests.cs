using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bookwell.Features.Payments;
using Bookwell.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Payments;

/// <summary>
/// Stripe Connect per business: the owner connects from the admin, status is read back from Stripe, and once
/// the account takes charges Checkout (and an off-session no-show fee) are direct charges on it with the
/// platform's fee, as the stand-in saw them; before that, the platform's account.
/// </summary>
public abstract class ConnectTests
{
    protected abstract Db Kind { get; }

    [Fact]
    public async Task OwnerConnects_ThenCheckoutAndFees_GoToTheConnectedAccount_WithThePlatformFee()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Kind, s =>
        {
            s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl;
            s["Bookwell:Stripe:PlatformFeePercent"] = "10";
        });
        stripe.Now = () => app.Clock.GetCurrentInstant();
        var doc = Config();
        doc["pages"]![0]!["services"]![3]!["noShowFee"] = new JsonObject { ["percent"] = 50 };
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), doc)).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", Accounts.AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        Assert.Contains(StripeConnect.Words.Get("not-connected", "en"), WebUtility.HtmlDecode(await owner.GetAsync("/admin/connect")), StringComparison.Ordinal);

        // Connect: one account (twice clicked, one account), a link to Stripe's onboarding.
        var go = await owner.PostFormAsync("/admin/connect?handler=Connect", [], "/admin/connect");
        Assert.Equal(HttpStatusCode.Redirect, go.StatusCode);
        Assert.StartsWith($"{stripe.BaseUrl}/setup/acct_", go.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/connect?handler=Connect", [], "/admin/connect")).StatusCode);
        var made = Assert.Single(stripe.CallsTo("POST", "/v1/accounts"));
        Assert.Equal("standard", made.Form["type"]);
        Assert.StartsWith("bookwell-connect-", made.IdempotencyKey, StringComparison.Ordinal);
        var account = Assert.Single(stripe.Objects("account"))["id"]!.GetValue<string>();
        var link = stripe.CallsTo("POST", "/v1/account_links").Last();
        Assert.Equal((account, "account_onboarding"), (link.Form["account"], link.Form["type"]));
        Assert.EndsWith("/admin/connect?step=return", link.Form["return_url"], StringComparison.Ordinal);
        Assert.EndsWith("/admin/connect?step=refresh", link.Form["refresh_url"], StringComparison.Ordinal);
        // An expired link makes a fresh one.
        var refresh = await owner.Client.GetAsync("/admin/connect?step=refresh");
        Assert.StartsWith($"{stripe.BaseUrl}/setup/{account}", refresh.Headers.Location!.ToString(), StringComparison.Ordinal);

        // Back before Stripe enabled charges: still the platform's account, no platform fee.
        Assert.Equal(HttpStatusCode.Redirect, (await owner.Client.GetAsync("/admin/connect?step=return")).StatusCode);
        Assert.Contains(StripeConnect.Words.Get("pending", "en").Replace("{0}", account, StringComparison.Ordinal),
            WebUtility.HtmlDecode(await owner.GetAsync("/admin/connect")), StringComparison.Ordinal);
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await Book(client, Booking("2027-03-03T10:00:00+01:00", service: "colour", email: "a@example.com"))).StatusCode);
        var platform = Assert.Single(stripe.CallsTo("POST", "/v1/checkout/sessions"));
        Assert.Null(platform.Account);
        Assert.DoesNotContain("payment_intent_data[application_fee_amount]", platform.Form.Keys);

        // Stripe says charges are enabled; the owner comes back and the status is read from Stripe.
        stripe.CompleteOnboarding(account);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.Client.GetAsync("/admin/connect?step=return")).StatusCode);
        Assert.Contains(stripe.Calls, c => c.Method == "GET" && c.Path == $"/v1/accounts/{account}");
        Assert.Contains(StripeConnect.Words.Get("connected", "en").Replace("{0}", account, StringComparison.Ordinal),
            WebUtility.HtmlDecode(await owner.GetAsync("/admin/connect")), StringComparison.Ordinal);

        var booked = await Body(await Book(client, Booking("2027-03-03T12:00:00+01:00", service: "colour", email: "b@example.com")));
        var direct = stripe.CallsTo("POST", "/v1/checkout/sessions").Last();
        Assert.Equal(account, direct.Account);
        Assert.Equal("800", direct.Form["payment_intent_data[application_fee_amount]"]);
        Assert.Equal("off_session", direct.Form["payment_intent_data[setup_future_usage]"]);

        // Paid on the connected account, then a no-show: the fee is charged there too, with the platform's share.
        var id = Guid.Parse(booked["id"]!.GetValue<string>());
        var paid = stripe.Pay(stripe.SessionFor(id)!["id"]!.GetValue<string>());
        var body = StripeStandIn.Event("evt_connected", "checkout.session.completed", paid);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/stripe/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeStandIn.Sign(body, app.Clock.GetCurrentInstant()));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        }
        // Past the start (a no-show is refused sooner): 12:05 on the day.
        app.Clock.Reset(NodaTime.Instant.FromUtc(2027, 3, 3, 11, 5));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().PostAsync($"/api/v1/admin/bookings/{id}/status", Json(new JsonObject { ["status"] = "no_show" }))).StatusCode);
        await app.Services.GetRequiredService<NoShowFeeCharger>().RunOnceAsync(CancellationToken.None);
        var fee = stripe.CallsTo("POST", "/v1/payment_intents").Last();
        Assert.Equal((account, "400", "4000"), (fee.Account, fee.Form["application_fee_amount"], fee.Form["amount"]));
        Assert.Equal(NoShowFeeState.Charged, app.WithDb(db => db.Set<NoShowFee>().AsNoTracking().Single().State));
        // The saved card was looked up on the connected account, where Checkout made it.
        Assert.All(stripe.Calls.Where(c => c.Method == "GET" && c.Path.StartsWith("/v1/payment_intents/", StringComparison.Ordinal)), c => Assert.Equal(account, c.Account));
    }
}

public sealed class SqliteConnectTests : ConnectTests
{
    protected override Db Kind => Db.Sqlite;
}

public sealed class PostgresConnectTests : ConnectTests
{
    protected override Db Kind => Db.Postgres;
}
