using System.Net;
using Bookwell.Tests.Accounts;
using Bookwell.Tests.Infrastructure;
using static Bookwell.Tests.Infrastructure.TestData;

namespace Bookwell.Tests.Webhooks;

/// <summary>The admin's webhooks page: add an endpoint by form (secret made and shown once), send a test event, see the delivery, in Dutch too.</summary>
public sealed class WebhooksPageTests
{
    [Fact]
    public async Task Page_AddsAnEndpoint_SendsATestEvent_AndListsTheDelivery_InDutchToo()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await BookwellApp.StartAsync(Db.Sqlite, s => s["Bookwell:Webhooks:AllowPrivateAddresses"] = "true");
        Assert.Equal(HttpStatusCode.OK, (await PutConfig(app.Admin(), Config())).StatusCode);
        var owner = WebSession.For(app);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/claim", ("Name", "Olga"), ("Email", "owner@salon.test"),
            ("Password", AccountTests.Password), ("SetupCode", BookwellApp.AdminKey))).StatusCode);
        Assert.Contains("No endpoints yet.", await owner.GetAsync("/admin/webhooks"));

        // Without the antiforgery token the form is refused.
        var forged = await owner.Client.PostAsync("/admin/webhooks?handler=Add", new FormUrlEncodedContent([KeyValuePair.Create("url", receiver.Url())]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/webhooks?handler=Add",
            [KeyValuePair.Create("url", receiver.Url()), KeyValuePair.Create("events", "booking.created"), KeyValuePair.Create("secret", "")], "/admin/webhooks")).StatusCode);
        // Razor encodes '+' as &#x2B;: read the secret from the decoded text, or one secret in 64 starting with '+' is missed.
        var html = WebUtility.HtmlDecode(await owner.GetAsync("/admin/webhooks"));
        var secret = System.Text.RegularExpressions.Regex.Match(html, "whsec_[A-Za-z0-9+/]{43}=").Value;
        Assert.NotEmpty(secret);
        Assert.Contains(receiver.Url(), html);
        Assert.DoesNotContain(secret, WebUtility.HtmlDecode(await owner.GetAsync("/admin/webhooks"))); // shown once

        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostFormAsync("/admin/webhooks?handler=Test", [], "/admin/webhooks")).StatusCode);
        var hook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Contains("webhook.test", hook.Body, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await owner.GetAsync("/admin/webhooks")).Contains("Delivered", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Contains(hook.Id!, await owner.GetAsync("/admin/webhooks"));

        owner.Client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("nl");
        var dutch = await owner.GetAsync("/admin/webhooks");
        Assert.Contains("Recente verzendingen", dutch);
        Assert.Contains("Afgeleverd", dutch);
    }
}
