using Bookwell.Features.Checkout;
using Bookwell.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bookwell.Tests.Payments;

/// <summary>The desk's card reader adapter against the stand-in's Stripe Terminal (server-driven flow).</summary>
public sealed class TerminalTests
{
    [Fact]
    public async Task ServerDrivenFlow_AmountToTheReader_CardTapped_Captured()
    {
        await using var stripe = await StripeStandIn.StartAsync();
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:Stripe:ApiBase"] = stripe.BaseUrl);
        var terminal = app.Services.GetRequiredService<ITerminal>();
        var reader = stripe.AddReader();
        var started = await terminal.StartAsync(reader, 4550, "EUR", "bookwell-desk-test-1", "desk-ref-1", null, CancellationToken.None);
        Assert.Equal("waiting", started.Status);
        var create = Assert.Single(stripe.CallsTo("POST", "/v1/payment_intents"));
        Assert.Equal(("4550", "eur", "card_present", "manual"), (create.Form["amount"], create.Form["currency"], create.Form["payment_method_types[0]"], create.Form["capture_method"]));
        var process = Assert.Single(stripe.CallsTo("POST", $"/v1/terminal/readers/{reader}/process_payment_intent"));
        Assert.Equal(started.PaymentIntent, process.Form["payment_intent"]);
        Assert.Equal("waiting", (await terminal.StatusAsync(started, null, CancellationToken.None)).Status);

        // The client taps a card (Stripe's test helper), the desk sees it authorized and captures.
        using var http = new HttpClient();
        using var tap = new HttpRequestMessage(HttpMethod.Post, $"{stripe.BaseUrl}/v1/test_helpers/terminal/readers/{reader}/present_payment_method")
        {
            Content = new FormUrlEncodedContent([]),
        };
        tap.Headers.Authorization = new("Bearer", StripeStandIn.SecretKey);
        Assert.True((await http.SendAsync(tap)).IsSuccessStatusCode);
        var authorized = await terminal.StatusAsync(started, null, CancellationToken.None);
        Assert.Equal("authorized", authorized.Status);
        // What the PaymentIntent was made for comes back from Stripe, so a desk can tell its own from an id a browser sent.
        Assert.Equal("desk-ref-1", create.Form["metadata[bookwell_desk]"]);
        Assert.Equal("desk-ref-1", authorized.Reference);
        Assert.Equal("succeeded", (await terminal.CaptureAsync(authorized, null, CancellationToken.None)).Status);
        Assert.Equal("succeeded", stripe.Object(started.PaymentIntent)["status"]!.GetValue<string>());
        // A retried start with the same key is the same PaymentIntent.
        Assert.Equal(started.PaymentIntent, (await terminal.StartAsync(reader, 4550, "EUR", "bookwell-desk-test-1", "desk-ref-1", null, CancellationToken.None)).PaymentIntent);
    }
}
